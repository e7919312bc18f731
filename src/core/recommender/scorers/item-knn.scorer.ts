/**
 * Item-item k-nearest-neighbours, after lkpy's `ItemKNN` for explicit ratings:
 * cosine similarity between items' mean-centred rating vectors; a user's score
 * for item i is `mean_i + sum(sim * (r_uj - mean_j)) / sum(|sim|)` over the k
 * most similar items j the user has rated. Neighbourhoods are read straight
 * from the query history, so a rating changes the next recommendation at once
 * without retraining; that is why it stays in the product as a fallback.
 *
 * Storage is sparse: each item keeps its `saveNeighbours` most similar items
 * (similarity >= minSimilarity), then the graph is made symmetric, so 9.7k
 * items cost a few MB instead of a 9.7k x 9.7k dense matrix.
 */
import type { Dataset } from '../dataset.js';
import type { Scorer, ScorerParams, ScoreQuery, TrainOptions } from '../scorer.js';
import { denseHistory, indexOf } from './history.js';
import { decodeF32, decodeI32, decodeIds, encodeF32, encodeI32, encodeIds, expectParams } from './params-codec.js';
import { kthLargest } from './select.js';
import { itemCsr, userCsr } from './sparse.js';

const KIND = 'item-knn';
const VERSION = 1;

export interface ItemKnnOptions {
  /** Neighbours used per prediction (lkpy default 20). */
  readonly neighbours: number;
  /** Fewer rated neighbours than this = no score (lkpy default 1). */
  readonly minNeighbours: number;
  /** Similarities below this are dropped; > 0 keeps only positive neighbours (lkpy default 1e-6). */
  readonly minSimilarity: number;
  /** Neighbours kept per item in the model before symmetrising. */
  readonly saveNeighbours: number;
  /** Scoring walk: 'auto' picks the cheaper of the two (identical results); the others are for tests. */
  readonly scan: 'auto' | 'items' | 'history';
}

export const DEFAULT_ITEM_KNN_OPTIONS: ItemKnnOptions = { neighbours: 20, minNeighbours: 1, minSimilarity: 1e-6, saveNeighbours: 300, scan: 'auto' };

export class ItemKnnScorer implements Scorer {
  readonly name = 'itemKnn';
  private options: ItemKnnOptions;
  private itemIds: number[] = [];
  private userIds: number[] = [];
  private itemIndex = new Map<number, number>();
  private userIndex = new Map<number, number>();
  private itemMean = new Float32Array(0);
  /** Neighbour lists, best first. */
  private nbrOffsets = new Int32Array(1);
  private nbrItems = new Int32Array(0);
  private nbrSims = new Float32Array(0);
  /** Training ratings per user, for known users queried without a history. */
  private userOffsets = new Int32Array(1);
  private userItems = new Int32Array(0);
  private userRatings = new Float32Array(0);
  private scratch = new Float32Array(0);

  constructor(options: Partial<ItemKnnOptions> = {}) {
    this.options = { ...DEFAULT_ITEM_KNN_OPTIONS, ...options };
  }

  async train(data: Dataset, _options: TrainOptions): Promise<void> {
    const nItems = data.itemIds.length;
    const n = data.r.length;
    const sum = new Float64Array(nItems);
    const count = new Int32Array(nItems);
    for (let k = 0; k < n; k++) {
      sum[data.i[k]!]! += data.r[k]!;
      count[data.i[k]!]!++;
    }
    const mean = Float32Array.from(sum, (s, j) => (count[j]! > 0 ? s / count[j]! : 0));
    const centred = new Float32Array(n);
    const norm2 = new Float64Array(nItems);
    for (let k = 0; k < n; k++) {
      const c = data.r[k]! - mean[data.i[k]!]!;
      centred[k] = c;
      norm2[data.i[k]!]! += c * c;
    }
    const unit = Float32Array.from(centred, (c, k) => {
      const nn = norm2[data.i[k]!]!;
      return nn > 1e-12 ? c / Math.sqrt(nn) : 0;
    });
    const byItem = itemCsr(data, unit);
    const byUser = userCsr(data, unit);

    // Top `saveNeighbours` per item by sparse accumulation over co-raters.
    const keep = this.options.saveNeighbours;
    const acc = new Float64Array(nItems);
    const touched = new Int32Array(nItems);
    const mark = new Uint8Array(nItems);
    const candSims = new Float32Array(nItems);
    const candItems = new Int32Array(nItems);
    const lists: { items: Int32Array; sims: Float32Array }[] = [];
    for (let i = 0; i < nItems; i++) {
      let nTouched = 0;
      for (let p = byItem.offsets[i]!; p < byItem.offsets[i + 1]!; p++) {
        const u = byItem.cols[p]!;
        const vi = byItem.vals[p]!;
        if (vi === 0) continue;
        for (let q = byUser.offsets[u]!; q < byUser.offsets[u + 1]!; q++) {
          const j = byUser.cols[q]!;
          if (mark[j] === 0) {
            mark[j] = 1;
            touched[nTouched++] = j;
          }
          acc[j]! += vi * byUser.vals[q]!;
        }
      }
      let nCand = 0;
      for (let t = 0; t < nTouched; t++) {
        const j = touched[t]!;
        const s = acc[j]!;
        if (j !== i && s >= this.options.minSimilarity) {
          candSims[nCand] = s;
          candItems[nCand++] = j;
        }
        acc[j] = 0;
        mark[j] = 0;
      }
      let threshold = -Infinity;
      if (nCand > keep) threshold = kthLargest(candSims, nCand, keep);
      const items: number[] = [];
      const sims: number[] = [];
      for (let c = 0; c < nCand && items.length < keep; c++) {
        if (candSims[c]! > threshold) {
          items.push(candItems[c]!);
          sims.push(candSims[c]!);
        }
      }
      for (let c = 0; c < nCand && items.length < keep; c++) {
        if (candSims[c]! === threshold) {
          items.push(candItems[c]!);
          sims.push(candSims[c]!);
        }
      }
      lists.push({ items: Int32Array.from(items), sims: Float32Array.from(sims) });
    }
    this.symmetrise(lists, nItems);

    this.itemMean = mean;
    this.itemIds = [...data.itemIds];
    this.userIds = [...data.userIds];
    this.itemIndex = indexOf(this.itemIds);
    this.userIndex = indexOf(this.userIds);
    const ratings = userCsr(data);
    this.userOffsets = ratings.offsets;
    this.userItems = ratings.cols;
    this.userRatings = ratings.vals;
  }

  /** Union of i->j and j->i edges, each list sorted by similarity, best first. */
  private symmetrise(lists: { items: Int32Array; sims: Float32Array }[], nItems: number): void {
    const degree = new Int32Array(nItems);
    for (let i = 0; i < nItems; i++) {
      const l = lists[i]!;
      degree[i]! += l.items.length;
      for (let c = 0; c < l.items.length; c++) degree[l.items[c]!]!++;
    }
    const raw = new Int32Array(nItems + 1);
    for (let i = 0; i < nItems; i++) raw[i + 1] = raw[i]! + degree[i]!;
    const fill = raw.slice(0, nItems);
    const rawItems = new Int32Array(raw[nItems]!);
    const rawSims = new Float32Array(raw[nItems]!);
    for (let i = 0; i < nItems; i++) {
      const l = lists[i]!;
      for (let c = 0; c < l.items.length; c++) {
        const j = l.items[c]!;
        rawItems[fill[i]!] = j;
        rawSims[fill[i]!++] = l.sims[c]!;
        rawItems[fill[j]!] = i;
        rawSims[fill[j]!++] = l.sims[c]!;
      }
    }
    // Drop the duplicate of edges both ends kept, then order each row best first.
    const stamp = new Int32Array(nItems).fill(-1);
    const offsets = new Int32Array(nItems + 1);
    const items = new Int32Array(raw[nItems]!);
    const sims = new Float32Array(raw[nItems]!);
    let w = 0;
    for (let i = 0; i < nItems; i++) {
      const lo = w;
      for (let p = raw[i]!; p < raw[i + 1]!; p++) {
        const j = rawItems[p]!;
        if (stamp[j] === i) continue;
        stamp[j] = i;
        items[w] = j;
        sims[w++] = rawSims[p]!;
      }
      const order = Array.from({ length: w - lo }, (_, c) => lo + c);
      order.sort((x, y) => sims[y]! - sims[x]! || items[x]! - items[y]!);
      const it = Int32Array.from(order, (p) => items[p]!);
      const si = Float32Array.from(order, (p) => sims[p]!);
      items.set(it, lo);
      sims.set(si, lo);
      offsets[i + 1] = w;
    }
    this.nbrOffsets = offsets;
    this.nbrItems = items.slice(0, w);
    this.nbrSims = sims.slice(0, w);
  }

  /** Number of stored neighbour edges (both directions), for size reports. */
  get edgeCount(): number {
    return this.nbrItems.length;
  }

  score(query: ScoreQuery, items: readonly number[]): Float32Array {
    const out = new Float32Array(items.length).fill(NaN);
    const nItems = this.itemIds.length;
    if (this.scratch.length !== nItems) this.scratch = new Float32Array(nItems);
    const dev = this.scratch.fill(NaN);
    let rated: Int32Array;
    const hist = denseHistory(query.history, this.itemIndex);
    if (hist.items.length > 0) {
      rated = hist.items;
      for (let h = 0; h < rated.length; h++) dev[rated[h]!] = hist.ratings[h]! - this.itemMean[rated[h]!]!;
    } else {
      const u = this.userIndex.get(query.userId);
      if (u === undefined) return out;
      rated = this.userItems.subarray(this.userOffsets[u]!, this.userOffsets[u + 1]!);
      const ratings = this.userRatings.subarray(this.userOffsets[u]!, this.userOffsets[u + 1]!);
      for (let h = 0; h < rated.length; h++) dev[rated[h]!] = ratings[h]! - this.itemMean[rated[h]!]!;
    }
    if (rated.length === 0) return out;
    const dense = Int32Array.from(items, (id) => this.itemIndex.get(id) ?? -1);
    // Walk whichever side is shorter: the targets' neighbour lists (stopping at k rated
    // neighbours), or the rated items' lists (the graph is symmetric). Same result.
    let historyCost = 0;
    for (let h = 0; h < rated.length; h++) historyCost += this.nbrOffsets[rated[h]! + 1]! - this.nbrOffsets[rated[h]!]!;
    const targetCost = (items.length * this.nbrItems.length) / Math.max(1, nItems);
    // A history entry costs about 4x a scanned target entry (two passes and a bounded sort); measured on ml-latest-small.
    const viaHistory = this.options.scan === 'history' || (this.options.scan === 'auto' && historyCost * 4 < targetCost);
    if (viaHistory) this.scoreViaHistory(rated, dev, dense, out);
    else this.scoreViaTargets(dev, dense, out);
    return out;
  }

  private finish(i: number, num: number, den: number, found: number): number {
    return found >= this.options.minNeighbours && den > 0 ? this.itemMean[i]! + num / den : NaN;
  }

  /** For each target, scan its neighbours best first until k rated ones are found. */
  private scoreViaTargets(dev: Float32Array, dense: Int32Array, out: Float32Array): void {
    const k = this.options.neighbours;
    for (let t = 0; t < dense.length; t++) {
      const i = dense[t]!;
      if (i < 0) continue;
      let num = 0;
      let den = 0;
      let found = 0;
      const end = this.nbrOffsets[i + 1]!;
      for (let p = this.nbrOffsets[i]!; p < end && found < k; p++) {
        const d = dev[this.nbrItems[p]!]!;
        if (d === d) {
          const s = this.nbrSims[p]!;
          num += s * d;
          den += Math.abs(s);
          found++;
        }
      }
      out[t] = this.finish(i, num, den, found);
    }
  }

  /**
   * For a short history: collect (target, sim) pairs from the rated items'
   * lists, then per target keep the k best in the same order the target scan
   * would meet them (similarity, then item index), so results match exactly.
   */
  private scoreViaHistory(rated: Int32Array, dev: Float32Array, dense: Int32Array, out: Float32Array): void {
    const nItems = this.itemIds.length;
    const slotOf = new Int32Array(nItems).fill(-1);
    const slotItem: number[] = [];
    for (const i of dense) if (i >= 0 && slotOf[i] === -1) slotOf[i] = slotItem.push(i) - 1;
    const nSlots = slotItem.length;
    const counts = new Int32Array(nSlots + 1);
    for (let h = 0; h < rated.length; h++) {
      const j = rated[h]!;
      for (let p = this.nbrOffsets[j]!; p < this.nbrOffsets[j + 1]!; p++) {
        const slot = slotOf[this.nbrItems[p]!]!;
        if (slot >= 0) counts[slot + 1]!++;
      }
    }
    for (let s = 0; s < nSlots; s++) counts[s + 1]! += counts[s]!;
    const fill = counts.slice(0, nSlots);
    const candSim = new Float32Array(counts[nSlots]!);
    const candItem = new Int32Array(counts[nSlots]!);
    for (let h = 0; h < rated.length; h++) {
      const j = rated[h]!;
      for (let p = this.nbrOffsets[j]!; p < this.nbrOffsets[j + 1]!; p++) {
        const slot = slotOf[this.nbrItems[p]!]!;
        if (slot < 0) continue;
        const at = fill[slot]!++;
        candSim[at] = this.nbrSims[p]!;
        candItem[at] = j;
      }
    }
    const k = this.options.neighbours;
    const scores = new Float32Array(nSlots);
    for (let s = 0; s < nSlots; s++) {
      const lo = counts[s]!;
      const hi = counts[s + 1]!;
      // Keep the k best at the front of the bucket, ordered by (sim desc, item asc):
      // a bounded insertion, O(bucket * k) at worst.
      let kept = 0;
      for (let a = lo; a < hi; a++) {
        const sim = candSim[a]!;
        const item = candItem[a]!;
        if (kept === k) {
          const lastSim = candSim[lo + k - 1]!;
          if (sim < lastSim || (sim === lastSim && item > candItem[lo + k - 1]!)) continue;
        }
        let pos = kept < k ? lo + kept : lo + k - 1;
        while (pos > lo && (candSim[pos - 1]! < sim || (candSim[pos - 1] === sim && candItem[pos - 1]! > item))) {
          candSim[pos] = candSim[pos - 1]!;
          candItem[pos] = candItem[pos - 1]!;
          pos--;
        }
        candSim[pos] = sim;
        candItem[pos] = item;
        if (kept < k) kept++;
      }
      let num = 0;
      let den = 0;
      const found = kept;
      for (let a = lo; a < lo + found; a++) {
        num += candSim[a]! * dev[candItem[a]!]!;
        den += Math.abs(candSim[a]!);
      }
      scores[s] = this.finish(slotItem[s]!, num, den, found);
    }
    for (let t = 0; t < dense.length; t++) if (dense[t]! >= 0) out[t] = scores[slotOf[dense[t]!]!]!;
  }

  save(): ScorerParams {
    return {
      kind: KIND,
      version: VERSION,
      data: {
        options: this.options,
        itemIds: encodeIds(this.itemIds),
        userIds: encodeIds(this.userIds),
        itemMean: encodeF32(this.itemMean),
        nbrOffsets: encodeI32(this.nbrOffsets),
        nbrItems: encodeI32(this.nbrItems),
        nbrSims: encodeF32(this.nbrSims),
        userOffsets: encodeI32(this.userOffsets),
        userItems: encodeI32(this.userItems),
        userRatings: encodeF32(this.userRatings),
      },
    };
  }

  load(params: ScorerParams): void {
    expectParams(params, KIND, VERSION);
    const d = params.data as Record<string, string> & { options: ItemKnnOptions };
    this.options = { ...DEFAULT_ITEM_KNN_OPTIONS, ...d.options };
    this.itemIds = decodeIds(d.itemIds!);
    this.userIds = decodeIds(d.userIds!);
    this.itemIndex = indexOf(this.itemIds);
    this.userIndex = indexOf(this.userIds);
    this.itemMean = decodeF32(d.itemMean!);
    this.nbrOffsets = decodeI32(d.nbrOffsets!);
    this.nbrItems = decodeI32(d.nbrItems!);
    this.nbrSims = decodeF32(d.nbrSims!);
    this.userOffsets = decodeI32(d.userOffsets!);
    this.userItems = decodeI32(d.userItems!);
    this.userRatings = decodeF32(d.userRatings!);
  }
}
