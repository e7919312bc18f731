/**
 * An immutable, columnar view of explicit ratings, indexed densely for training.
 * External ids (MoodReel user ids, MovieLens movie ids) map to 0..n-1 indices.
 */
export interface Interaction {
  readonly user: number;
  readonly item: number;
  /** 0.5..5 stars. */
  readonly rating: number;
  /** Seconds since the epoch. */
  readonly timestamp: number;
}

export class Dataset {
  readonly userIds: readonly number[];
  readonly itemIds: readonly number[];
  readonly userIndex: ReadonlyMap<number, number>;
  readonly itemIndex: ReadonlyMap<number, number>;
  /** Dense user index per rating. */
  readonly u: Int32Array;
  /** Dense item index per rating. */
  readonly i: Int32Array;
  readonly r: Float32Array;
  readonly t: Float64Array;

  private constructor(
    userIds: number[],
    itemIds: number[],
    u: Int32Array,
    i: Int32Array,
    r: Float32Array,
    t: Float64Array,
  ) {
    this.userIds = userIds;
    this.itemIds = itemIds;
    this.userIndex = new Map(userIds.map((id, k) => [id, k]));
    this.itemIndex = new Map(itemIds.map((id, k) => [id, k]));
    this.u = u;
    this.i = i;
    this.r = r;
    this.t = t;
  }

  /** Builds a dataset; `extraItems` are catalogue items with no rating yet (still scoreable by content). */
  static from(rows: Iterable<Interaction>, extraItems: Iterable<number> = []): Dataset {
    const users = new Map<number, number>();
    const items = new Map<number, number>();
    const u: number[] = [];
    const i: number[] = [];
    const r: number[] = [];
    const t: number[] = [];
    for (const row of rows) {
      let uu = users.get(row.user);
      if (uu === undefined) users.set(row.user, (uu = users.size));
      let ii = items.get(row.item);
      if (ii === undefined) items.set(row.item, (ii = items.size));
      u.push(uu);
      i.push(ii);
      r.push(row.rating);
      t.push(row.timestamp);
    }
    for (const item of extraItems) if (!items.has(item)) items.set(item, items.size);
    return new Dataset(
      [...users.keys()],
      [...items.keys()],
      Int32Array.from(u),
      Int32Array.from(i),
      Float32Array.from(r),
      Float64Array.from(t),
    );
  }

  get size(): number {
    return this.r.length;
  }

  /** Yields the ratings back as interactions (external ids). */
  *interactions(): IterableIterator<Interaction> {
    for (let k = 0; k < this.r.length; k++) {
      yield {
        user: this.userIds[this.u[k]!]!,
        item: this.itemIds[this.i[k]!]!,
        rating: this.r[k]!,
        timestamp: this.t[k]!,
      };
    }
  }
}
