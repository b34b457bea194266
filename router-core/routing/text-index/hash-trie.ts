// A prefix trie of UTF-16 strings, built as objects and walked as flat typed arrays: one hash table holds every edge.

/** A trie node while the trie is built (the walk uses the flat form, FlatTrie). */
export interface TrieNode {
  next: Map<number, TrieNode>;
  /** Values (group indices) for which a string ends here. */
  groups: number[] | null;
}

export function newNode(): TrieNode {
  return { next: new Map(), groups: null };
}

/** Adds `prefix` under `root`, with value `g` at its end (once). */
export function addPrefix(root: TrieNode, prefix: string, g: number): void {
  let node = root;
  for (let k = 0; k < prefix.length; k++) {
    const c = prefix.charCodeAt(k);
    let child = node.next.get(c);
    if (child === undefined) {
      child = newNode();
      node.next.set(c, child);
    }
    node = child;
  }
  node.groups ??= [];
  if (!node.groups.includes(g)) node.groups.push(g);
}

/**
 * The trie as flat typed arrays (≈ 7,000 nodes, ~170 KB), numbered breadth-first so the levels every walk reads sit
 * together. why flat: the object trie's pointer chase missed the CPU caches between prompts, an estimate's biggest cost.
 */
export interface FlatTrie {
  /**
   * Every edge in one open-addressing hash table: slot s holds key (node << 16 | character) + 1 at 2s (0 = empty) and
   * the child at 2s + 1, so a step reads one cache line. why: a sorted edge list per node took a scan over three arrays.
   */
  edges: Int32Array;
  /** Slots - 1 (a power of two). */
  edgeMask: number;
  /** Values ending at node n: groupList[groupStart[n] .. groupStart[n + 1] - 1]. */
  groupStart: Int32Array;
  groupList: Int32Array;
  /** The root's child per ASCII character, -1 for none: the first step of every walk is an index. */
  rootAscii: Int32Array;
}

export function flattenTrie(root: TrieNode): FlatTrie {
  const order: TrieNode[] = [root];
  const ids = new Map<TrieNode, number>([[root, 0]]);
  const sortedChildren = (n: TrieNode): Array<[number, TrieNode]> => [...n.next.entries()].sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < order.length; i++) {
    for (const [, child] of sortedChildren(order[i]!)) {
      ids.set(child, order.length);
      order.push(child);
    }
  }
  const n = order.length;
  // why 16 bits of node id: node << 16 | character must stay a positive 32-bit integer (about 7,000 nodes today).
  if (n >= 1 << 15) throw new Error(`keyword trie too large for its edge keys (${n} nodes)`);
  const groupStart = new Int32Array(n + 1);
  let edgeCount = 0;
  for (let i = 0; i < n; i++) {
    edgeCount += order[i]!.next.size;
    groupStart[i + 1] = groupStart[i]! + (order[i]!.groups?.length ?? 0);
  }
  // why at most half full: linear probing then finds a key, or its absence, in one or two slots.
  let slots = 1;
  while (slots < edgeCount * 2) slots *= 2;
  const edges = new Int32Array(slots * 2);
  const groupList = new Int32Array(groupStart[n]!);
  const rootAscii = new Int32Array(128).fill(-1);
  for (let i = 0; i < n; i++) {
    for (const [c, kid] of sortedChildren(order[i]!)) {
      const key = ((i << 16) | c) + 1;
      let h = edgeSlot(key, slots - 1);
      while (edges[2 * h] !== 0) h = (h + 1) & (slots - 1);
      edges[2 * h] = key;
      edges[2 * h + 1] = ids.get(kid)!;
      if (i === 0 && c < 128) rootAscii[c] = ids.get(kid)!;
    }
    groupList.set(order[i]!.groups ?? [], groupStart[i]!);
  }
  return { edges, edgeMask: slots - 1, groupStart, groupList, rootAscii };
}

/** Home slot of an edge key (Fibonacci hashing). */
function edgeSlot(key: number, mask: number): number {
  return (Math.imul(key, 0x9e3779b1) >>> 16) & mask;
}

/** The child of node `node` for character code `c`, or -1. */
export function child(t: FlatTrie, node: number, c: number): number {
  const key = ((node << 16) | c) + 1;
  const edges = t.edges;
  for (let h = edgeSlot(key, t.edgeMask); ; h = (h + 1) & t.edgeMask) {
    const k = edges[2 * h]!;
    if (k === key) return edges[2 * h + 1]!;
    if (k === 0) return -1;
  }
}
