// Conversation versions as a tree: which messages are on screen (the active path), and the versions of each turn.
//
// Every message names the one it follows (parentId; null = the first turn). Regenerating or editing a turn adds a
// sibling; the path on screen runs from the first turn to the conversation's leaf, then on through the newest
// child of each message, so a leaf that was deleted or switched away from still shows everything after it.

/** What the tree needs of a message. */
export interface TreeNode {
  id: string;
  parentId: string | null;
}

/** A message's place among its versions (siblings with the same parent, oldest first). */
export interface VersionInfo {
  /** 1-based. */
  index: number;
  count: number;
  /** Every version's id, oldest first. */
  ids: string[];
}

function childrenOf<T extends TreeNode>(all: readonly T[]): Map<string | null, T[]> {
  const ids = new Set(all.map((m) => m.id));
  const out = new Map<string | null, T[]>();
  for (const m of all) {
    // A parent that no longer exists (deleted outside the ledger's own delete) counts as the start of the chat.
    const p = m.parentId !== null && ids.has(m.parentId) ? m.parentId : null;
    const list = out.get(p);
    if (list) list.push(m);
    else out.set(p, [m]);
  }
  return out;
}

/**
 * The messages on screen, first turn first: the ancestors of `leafId` (null or unknown = the newest message), then
 * the newest child of each message below it. `all` is in insertion order (oldest first).
 */
export function activePath<T extends TreeNode>(all: readonly T[], leafId: string | null): T[] {
  if (all.length === 0) return [];
  const byId = new Map(all.map((m) => [m.id, m]));
  const children = childrenOf(all);
  let leaf = (leafId !== null ? byId.get(leafId) : undefined) ?? all[all.length - 1]!;
  const up: T[] = [];
  const seen = new Set<string>();
  for (let m: T | undefined = leaf; m && !seen.has(m.id); m = m.parentId !== null ? byId.get(m.parentId) : undefined) {
    seen.add(m.id);
    up.push(m);
  }
  up.reverse();
  for (let next = children.get(leaf.id); next && next.length > 0 && !seen.has(next[next.length - 1]!.id); next = children.get(leaf.id)) {
    leaf = next[next.length - 1]!;
    seen.add(leaf.id);
    up.push(leaf);
  }
  return up;
}

/** The versions of the turn `id` belongs to (itself and its siblings); undefined when `id` is not in `all`. */
export function versionsOf<T extends TreeNode>(all: readonly T[], id: string): VersionInfo | undefined {
  const m = all.find((x) => x.id === id);
  if (!m) return undefined;
  const ids = (childrenOf(all).get(m.parentId !== null && all.some((x) => x.id === m.parentId) ? m.parentId : null) ?? []).map((x) => x.id);
  return { index: ids.indexOf(id) + 1, count: ids.length, ids };
}

/**
 * The leaf to show when the person switches to version `id`: the newest message in its subtree (what was said last
 * after that version), so the turns that followed it come back with it.
 */
export function newestInSubtree<T extends TreeNode>(all: readonly T[], id: string): string {
  const children = childrenOf(all);
  const inTree = new Set([id]);
  const stack = [id];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (!inTree.has(c.id)) {
        inTree.add(c.id);
        stack.push(c.id);
      }
    }
  }
  let newest = id;
  for (const m of all) if (inTree.has(m.id)) newest = m.id;
  return newest;
}

/** Every message's versions at once (one pass: a long conversation's path is shown in linear time). */
export function versionIndex<T extends TreeNode>(all: readonly T[]): Map<string, VersionInfo> {
  const out = new Map<string, VersionInfo>();
  for (const siblings of childrenOf(all).values()) {
    const ids = siblings.map((x) => x.id);
    ids.forEach((id, i) => out.set(id, { index: i + 1, count: ids.length, ids }));
  }
  return out;
}
