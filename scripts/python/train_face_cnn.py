"""Trains MoodReel's facial-expression CNN on FER2013 48x48 grey crops with PyTorch on the CPU.

Called by scripts/train-face.ts, which reads the FER2013 CSV, checks its sharpness, picks the
seeded holdout (the same 10% the face-api head is tuned on) and writes a job folder:

    job.json      {"config": {...}, "fit": [row ids], "hold": [row ids]}
    pixels.u8     rows x 48 x 48 grey values, row-major
    labels.u8     one FER class (0..6) per row

    python train_face_cnn.py JOB_DIR OUT_DIR          # trains (resumes from OUT_DIR/last.pt)
    python train_face_cnn.py --export JOB_DIR OUT_DIR # OUT_DIR/best.pt -> OUT_DIR/weights.bin

Network: VGG-style stages of 3x3 convolutions (no bias) + BatchNorm + ReLU, max-pool after each
stage, global average pooling, dropout, linear -> 7 logits. Input: the crop standardised per
image ((x - mean) / std over its 2,304 pixels), so lighting and contrast of a selfie matter less.
Augmentation per batch (seeded generator): horizontal flip, a random affine (rotation, scale,
shift), random gamma, random erasing. SGD with Nesterov momentum, linear warm-up then cosine,
label smoothing. Each epoch: holdout accuracy with flip averaging; the best epoch is kept.
Checkpoints every epoch (model, optimiser, generator states), so a killed run resumes where it
stopped with the same result.

Deterministic for a job's seed AND thread count (torch.set_num_threads(config.threads), default 1):
the same job gives the same weights byte for byte.

Writes OUT_DIR/history.json, OUT_DIR/last.pt, OUT_DIR/best.pt, OUT_DIR/hold_probs.f32 (the best
epoch's flip-averaged holdout probabilities, hold order x 7) and OUT_DIR/result.json.
--export writes OUT_DIR/weights.bin: the best epoch with each BatchNorm folded into its
convolution, float32 little-endian, per convolution its kernel [3, 3, in, out] (TensorFlow's
HWIO layout) then its bias [out], then the linear layer's kernel [in, 7] and bias [7]; the
layout src/infra/mood/face-expression.model.ts reads; and OUT_DIR/weights.f16.bin, the same in float16.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SIZE = 48
CLASSES = 7


class ExpressionCnn(nn.Module):
    def __init__(self, widths, convs, dropout):
        super().__init__()
        layers = []
        cin = 1
        for w in widths:
            for _ in range(convs):
                layers += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
                cin = w
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(cin, CLASSES)

    def forward(self, x):
        h = self.features(x)
        h = h.mean(dim=(2, 3))
        return self.out(self.dropout(h))


def standardise(x):
    """x: [B, 1, 48, 48] float 0..255 -> per-image zero mean, unit std (as the Node side does)."""
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    std = x.std(dim=(1, 2, 3), keepdim=True, unbiased=False)
    return (x - mean) / (std + 1.0)


def augment(x, g, cfg):
    """x: [B, 1, 48, 48] in 0..1. Seeded by generator g."""
    b = x.shape[0]
    flip = torch.rand(b, generator=g) < 0.5
    x = torch.where(flip.view(b, 1, 1, 1), x.flip(3), x)
    angle = (torch.rand(b, generator=g) * 2 - 1) * math.radians(cfg["rotate"])
    scale = 1 + (torch.rand(b, generator=g) * 2 - 1) * cfg["scale"]
    tx = (torch.rand(b, generator=g) * 2 - 1) * cfg["shift"] * 2
    ty = (torch.rand(b, generator=g) * 2 - 1) * cfg["shift"] * 2
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    gamma = torch.exp((torch.rand(b, generator=g) * 2 - 1) * math.log(cfg["gamma"]))
    x = x.clamp(0, 1) ** gamma.view(b, 1, 1, 1)
    # Random erasing: one rectangle of 2-20% of the crop, filled with the image mean, on half the images.
    erase = torch.rand(b, generator=g) < cfg["erase"]
    area = (torch.rand(b, generator=g) * 0.18 + 0.02) * SIZE * SIZE
    aspect = torch.exp((torch.rand(b, generator=g) * 2 - 1) * math.log(3))
    eh = (area * aspect).sqrt().clamp(4, SIZE - 1).long()
    ew = (area / aspect).sqrt().clamp(4, SIZE - 1).long()
    ey = (torch.rand(b, generator=g) * (SIZE - eh)).long()
    ex = (torch.rand(b, generator=g) * (SIZE - ew)).long()
    ys = torch.arange(SIZE).view(1, SIZE, 1)
    xs = torch.arange(SIZE).view(1, 1, SIZE)
    mask = (ys >= ey.view(b, 1, 1)) & (ys < (ey + eh).view(b, 1, 1)) & (xs >= ex.view(b, 1, 1)) & (xs < (ex + ew).view(b, 1, 1))
    mask = mask & erase.view(b, 1, 1)
    fill = x.mean(dim=(1, 2, 3), keepdim=True)
    x = torch.where(mask.unsqueeze(1), fill.expand_as(x), x)
    return x * 255


def predict(model, images, batch=512):
    """Flip-averaged softmax probabilities, [N, 7]."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, images.shape[0], batch):
            x = standardise(images[i : i + batch])
            p = F.softmax(model(x), 1) + F.softmax(model(x.flip(3)), 1)
            out.append(p / 2)
    return torch.cat(out)


def lr_at(step, total, warmup, peak):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def load_job(job_dir):
    job = json.load(open(os.path.join(job_dir, "job.json")))
    pixels = np.fromfile(os.path.join(job_dir, "pixels.u8"), dtype=np.uint8).reshape(-1, 1, SIZE, SIZE)
    labels = np.fromfile(os.path.join(job_dir, "labels.u8"), dtype=np.uint8).astype(np.int64)
    return job, torch.from_numpy(pixels.astype(np.float32)), torch.from_numpy(labels)


def build(cfg):
    return ExpressionCnn(cfg["widths"], cfg["convs"], cfg["dropout"])


def train(job_dir, out_dir):
    job, images, labels = load_job(job_dir)
    cfg = job["config"]
    torch.set_num_threads(cfg.get("threads", 1))
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(cfg["seed"])
    os.makedirs(out_dir, exist_ok=True)
    fit = torch.tensor(job["fit"], dtype=torch.long)
    hold = torch.tensor(job["hold"], dtype=torch.long)
    hold_images, hold_labels = images[hold], labels[hold]
    model = build(cfg)
    params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": cfg["weightDecay"]}, {"params": no_decay, "weight_decay": 0}],
        lr=cfg["lr"], momentum=0.9, nesterov=True,
    )
    g = torch.Generator().manual_seed(cfg["seed"])
    steps_per_epoch = math.ceil(len(fit) / cfg["batch"])
    total = steps_per_epoch * cfg["epochs"]
    warmup = steps_per_epoch * cfg["warmupEpochs"]
    history, best, start_epoch = [], {"accuracy": -1.0, "epoch": 0}, 1
    last = os.path.join(out_dir, "last.pt")
    if os.path.exists(last):
        state = torch.load(last, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        g.set_state(state["gen"])
        torch.set_rng_state(state["torch_rng"])
        history, best, start_epoch = state["history"], state["best"], state["epoch"] + 1
        print(f"resumed after epoch {state['epoch']}", flush=True)
    print(f"params {params}, fit {len(fit)}, hold {len(hold)}, {steps_per_epoch} steps/epoch", flush=True)
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg["labelSmoothing"])
    for epoch in range(start_epoch, cfg["epochs"] + 1):
        started = time.time()
        model.train()
        order = fit[torch.randperm(len(fit), generator=g)]
        loss_sum, seen = 0.0, 0
        for s in range(steps_per_epoch):
            step = (epoch - 1) * steps_per_epoch + s
            for group in opt.param_groups:
                group["lr"] = lr_at(step, total, warmup, cfg["lr"])
            idx = order[s * cfg["batch"] : (s + 1) * cfg["batch"]]
            x = standardise(augment(images[idx] / 255, g, cfg["augment"]))
            loss = criterion(model(x), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            seen += len(idx)
        probs = predict(model, hold_images)
        acc = float((probs.argmax(1) == hold_labels).float().mean())
        history.append({"epoch": epoch, "loss": loss_sum / seen, "holdAccuracy": acc, "seconds": round(time.time() - started, 1)})
        print(json.dumps(history[-1]), flush=True)
        if acc > best["accuracy"]:
            best = {"accuracy": acc, "epoch": epoch}
            torch.save(model.state_dict(), os.path.join(out_dir, "best.pt"))
            probs.numpy().astype(np.float32).tofile(os.path.join(out_dir, "hold_probs.f32"))
        state = {"model": model.state_dict(), "opt": opt.state_dict(), "gen": g.get_state(), "torch_rng": torch.get_rng_state(),
                 "history": history, "best": best, "epoch": epoch}
        torch.save(state, last + ".tmp")
        os.replace(last + ".tmp", last)
    result = {"params": params, "bestEpoch": best["epoch"], "holdAccuracy": best["accuracy"], "history": history}
    json.dump(result, open(os.path.join(out_dir, "result.json"), "w"), indent=1)
    print(json.dumps({"bestEpoch": best["epoch"], "holdAccuracy": best["accuracy"]}), flush=True)


def export(job_dir, out_dir):
    job = json.load(open(os.path.join(job_dir, "job.json")))
    cfg = job["config"]
    model = build(cfg)
    model.load_state_dict(torch.load(os.path.join(out_dir, "best.pt")))
    model.eval()
    parts = []
    mods = list(model.features)
    for i, m in enumerate(mods):
        if not isinstance(m, nn.Conv2d):
            continue
        bn = mods[i + 1]
        scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
        kernel = m.weight.detach().double() * scale.view(-1, 1, 1, 1)  # [out, in, 3, 3]
        bias = bn.bias.detach().double() - bn.running_mean.double() * scale
        parts += [kernel.permute(2, 3, 1, 0).contiguous(), bias]
    parts += [model.out.weight.detach().double().t().contiguous(), model.out.bias.detach().double()]
    flat = np.concatenate([p.numpy().astype("<f4").ravel() for p in parts])
    flat.tofile(os.path.join(out_dir, "weights.bin"))
    flat.astype("<f2").tofile(os.path.join(out_dir, "weights.f16.bin"))  # round to nearest even
    print(json.dumps({"floats": int(flat.size)}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--export":
        export(sys.argv[2], sys.argv[3])
    else:
        train(sys.argv[1], sys.argv[2])
