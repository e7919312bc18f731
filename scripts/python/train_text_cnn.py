"""Trains MoodReel's text emotion CNN(s) with PyTorch on the CPU.

Called by scripts/train-text.ts, which reads the corpora, builds and checks the tokenizer,
and writes a job file of token ids and soft targets. This script only learns weights; the
TypeScript side turns them into the ONNX graph that transformers.js serves, so the served
graph is the one MoodReel's own exporter writes and checks.

    python train_text_cnn.py JOB.json OUT_DIR

The network (Kim 2014): embeddings (random, or GloVe vectors fine-tuned or kept fixed) -> 1D convolutions of several widths over the tokens
(each window covers tokens t..t+k-1, zero-padded on the right, as the ONNX graph does) ->
ReLU -> attention mask -> max over time -> dropout -> linear. An ensemble averages logits.

Writes OUT_DIR/result.json (per member: best epoch, history, weight layout; the ensemble's
probabilities on every evaluation set) and OUT_DIR/member<i>.bin (float32, little-endian, in
the layout of scripts/lib/text-cnn.ts CnnWeights). Deterministic for a job's seed and thread count.
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

UNK_ID, CLS_ID, SEP_ID, PAD_ID = 1, 2, 3, 0


class TextCnn(nn.Module):
    def __init__(self, vocab, dim, filters, widths, classes, dropout):
        super().__init__()
        self.widths = widths
        self.embedding = nn.Embedding(vocab, dim, padding_idx=PAD_ID)
        nn.init.normal_(self.embedding.weight, std=0.1)
        with torch.no_grad():
            self.embedding.weight[PAD_ID].zero_()
        self.convs = nn.ModuleList([nn.Conv1d(dim, filters, k) for k in widths])
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(filters * len(widths), classes)

    def forward(self, ids, mask):
        x = self.embedding(ids).transpose(1, 2)  # [B, D, S]
        m = mask.unsqueeze(1)  # [B, 1, S]
        pooled = []
        for k, conv in zip(self.widths, self.convs):
            h = F.relu(conv(F.pad(x, (0, k - 1)))) * m
            pooled.append(h.max(dim=2).values)
        return self.out(self.dropout(torch.cat(pooled, dim=1)))


def pad_batch(seqs):
    length = max(len(s) for s in seqs)
    ids = np.zeros((len(seqs), length), dtype=np.int64)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
    t = torch.from_numpy(ids)
    return t, (t != PAD_ID).float()


def predict_logits(model, seqs, batch=512):
    model.eval()
    out = []
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    with torch.no_grad():
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            ids, mask = pad_batch([seqs[j] for j in idx])
            out.append((idx, model(ids, mask)))
    logits = torch.zeros((len(seqs), model.out.out_features))
    for idx, l in out:
        logits[idx] = l
    return logits


def set_accuracies(logits_by_set, selection):
    return {s["name"]: float((logits_by_set[s["name"]].argmax(dim=1).numpy() == np.array(s["labels"])).mean()) for s in selection}


def selection_score(accuracies, selection):
    return sum(s["weight"] * accuracies[s["name"]] for s in selection) / sum(s["weight"] for s in selection)


def train_member(job, member, log):
    cfg = job["config"]
    seed = cfg["seed"] + 1000 * member
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train = job["train"]
    seqs = train["ids"]
    targets = torch.tensor(train["targets"], dtype=torch.float32)
    weights = torch.tensor(train["weights"], dtype=torch.float32)
    classes = targets.shape[1]
    model = TextCnn(job["vocabSize"], cfg["dim"], cfg["filters"], cfg["widths"], classes, cfg["dropout"])
    if job.get("embeddingInit"):
        table = np.fromfile(job["embeddingInit"], dtype="<f4").reshape(job["vocabSize"], cfg["dim"])
        with torch.no_grad():
            model.embedding.weight.copy_(torch.from_numpy(table))
            model.embedding.weight[PAD_ID].zero_()
        # glove-static: the pre-trained vectors stay as they are (one shared table in the export).
        model.embedding.weight.requires_grad_(cfg["embeddings"] != "glove-static")
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=cfg["learningRate"])
    smooth = cfg["labelSmoothing"]
    batch = cfg["batchSize"]
    selection = job["selection"]
    sel_seqs = {s["name"]: s["ids"] for s in selection}
    best, best_state, best_epoch, history, stale = -1.0, None, 0, [], 0
    for epoch in range(1, cfg["maxEpochs"] + 1):
        t0 = time.time()
        model.train()
        order = rng.permutation(len(seqs))
        total_loss, seen = 0.0, 0
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            batch_seqs = []
            for j in idx:
                s = list(seqs[j])
                if cfg["wordDropout"] > 0:
                    drop = rng.random(len(s)) < cfg["wordDropout"]
                    s = [UNK_ID if d and t not in (CLS_ID, SEP_ID) else t for t, d in zip(s, drop)]
                batch_seqs.append(s)
            ids, mask = pad_batch(batch_seqs)
            y = targets[idx] * (1 - smooth) + smooth / classes
            w = weights[idx]
            logp = F.log_softmax(model(ids, mask), dim=1)
            loss = (-(y * logp).sum(dim=1) * w).sum() / w.sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                model.embedding.weight[PAD_ID].zero_()
            total_loss += float(loss.detach()) * len(idx)
            seen += len(idx)
        logits = {name: predict_logits(model, s) for name, s in sel_seqs.items()}
        accuracies = set_accuracies(logits, selection)
        score = selection_score(accuracies, selection)
        per_set = {name: round(a, 4) for name, a in accuracies.items()}
        history.append({"epoch": epoch, "loss": total_loss / seen, "score": score, "sets": per_set, "seconds": time.time() - t0})
        log(f"member {member + 1} epoch {epoch}: loss {total_loss / seen:.4f} selection {score:.4f} {per_set} ({time.time() - t0:.1f} s)")
        if score > best + 1e-9:
            best, best_epoch, stale = score, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            if stale >= cfg["patience"]:
                break
    model.load_state_dict(best_state)
    return model, {"bestEpoch": best_epoch, "bestScore": best, "history": history, "seed": seed}


def project_unseen(model, job, ridge=1.0):
    """Fine-tuning moves the vectors of the words training shows and leaves the words it never
    shows where GloVe put them, in a space the network no longer reads the same way. This carries
    them over: a linear map from GloVe vectors to fine-tuned ones, fitted by ridge regression on
    the pre-trained words that training shows, applied to the pre-trained words it never shows."""
    dim = job["config"]["dim"]
    init = np.fromfile(job["embeddingInit"], dtype="<f4").reshape(job["vocabSize"], dim).astype(np.float64)
    known = np.zeros(job["vocabSize"], dtype=bool)
    known[job["pretrainedRows"]] = True
    seen = np.zeros(job["vocabSize"], dtype=bool)
    for s in job["train"]["ids"]:
        seen[s] = True
    fit, carry = known & seen, known & ~seen
    table = model.embedding.weight.detach().numpy().astype(np.float64)
    g = init[fit]
    mapping = np.linalg.solve(g.T @ g + ridge * np.eye(dim), g.T @ table[fit])
    table[carry] = init[carry] @ mapping
    with torch.no_grad():
        model.embedding.weight.copy_(torch.from_numpy(table.astype(np.float32)))
    return int(fit.sum()), int(carry.sum())


def write_weights(model, file):
    """CnnWeights layout: embedding [V, D]; per width kernel [k*D, F] (window position-major) and
    bias [F]; out kernel [W*F, C]; out bias [C]."""
    parts = [model.embedding.weight.detach().numpy()]
    for conv in model.convs:
        w = conv.weight.detach().numpy()  # [F, D, k]
        parts.append(np.transpose(w, (2, 1, 0)).reshape(-1, w.shape[0]))
        parts.append(conv.bias.detach().numpy())
    parts.append(model.out.weight.detach().numpy().T)
    parts.append(model.out.bias.detach().numpy())
    with open(file, "wb") as f:
        for p in parts:
            f.write(np.ascontiguousarray(p, dtype="<f4").tobytes())


def main():
    job_file, out_dir = sys.argv[1], sys.argv[2]
    with open(job_file) as f:
        job = json.load(f)
    cfg = job["config"]
    torch.set_num_threads(cfg["threads"])
    torch.use_deterministic_algorithms(True)
    log = lambda msg: print(msg, flush=True)
    log(f"torch {torch.__version__}, {cfg['threads']} threads, {len(job['train']['ids'])} training rows, vocabulary {job['vocabSize']}")
    members, logits_sum = [], None
    eval_sets = {e["name"]: e["ids"] for e in job["evals"]}
    for m in range(cfg["members"]):
        model, info = train_member(job, m, log)
        if cfg["embeddings"] == "glove":
            before = set_accuracies({n: predict_logits(model, s) for n, s in ((x["name"], x["ids"]) for x in job["selection"])}, job["selection"])
            fitted, carried = project_unseen(model, job)
            after = set_accuracies({n: predict_logits(model, s) for n, s in ((x["name"], x["ids"]) for x in job["selection"])}, job["selection"])
            info["projection"] = {"fitted": fitted, "carried": carried, "before": before, "after": after}
            log(f"member {m + 1}: {carried} unseen pre-trained words carried over by a map fitted on {fitted}; selection sets before {before} after {after}")
        write_weights(model, f"{out_dir}/member{m}.bin")
        logits = {name: predict_logits(model, s) for name, s in eval_sets.items()}
        logits_sum = logits if logits_sum is None else {k: logits_sum[k] + logits[k] for k in logits}
        members.append(info)
    probs = {k: torch.softmax(v / cfg["members"], dim=1).numpy().round(6).tolist() for k, v in logits_sum.items()}
    with open(f"{out_dir}/result.json", "w") as f:
        json.dump({"members": members, "evalProbs": probs, "torch": torch.__version__}, f)


if __name__ == "__main__":
    main()
