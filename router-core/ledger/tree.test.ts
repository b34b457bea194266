// The versions tree: the path on screen, each turn's versions, and where a switch lands.
import { describe, expect, it } from 'vitest';
import { activePath, newestInSubtree, versionIndex, type TreeNode } from './tree.js';

// q1 → a1 → q2 → {a2 (v1) → q3 → a3, a2b (v2), a2c (v3)}; insertion order as listed.
const n = (id: string, parentId: string | null): TreeNode => ({ id, parentId });
const tree = [n('q1', null), n('a1', 'q1'), n('q2', 'a1'), n('a2', 'q2'), n('q3', 'a2'), n('a3', 'q3'), n('a2b', 'q2'), n('a2c', 'q2')];
const ids = (p: TreeNode[]) => p.map((m) => m.id);

describe('activePath', () => {
  it('runs from the first turn to the leaf; no leaf = the newest message', () => {
    expect(ids(activePath(tree, 'a3'))).toEqual(['q1', 'a1', 'q2', 'a2', 'q3', 'a3']);
    expect(ids(activePath(tree, null))).toEqual(['q1', 'a1', 'q2', 'a2c']);
    expect(ids(activePath(tree, 'unknown'))).toEqual(['q1', 'a1', 'q2', 'a2c']);
    expect(activePath([], null)).toEqual([]);
  });

  it('goes on below a leaf that has children, through the newest child', () => {
    expect(ids(activePath(tree, 'a1'))).toEqual(['q1', 'a1', 'q2', 'a2c']);
  });

  it('treats a missing parent as the start, and never loops on a cycle', () => {
    expect(ids(activePath([n('x', 'gone'), n('y', 'x')], 'y'))).toEqual(['x', 'y']);
    expect(ids(activePath([n('a', 'b'), n('b', 'a')], 'a'))).toEqual(['b', 'a']);
  });
});

describe('versionIndex', () => {
  it('numbers siblings oldest first; a single message is version 1 of 1', () => {
    const v = versionIndex(tree);
    expect(v.get('a2b')).toEqual({ index: 2, count: 3, ids: ['a2', 'a2b', 'a2c'] });
    expect(v.get('q1')).toEqual({ index: 1, count: 1, ids: ['q1'] });
  });
});

describe('newestInSubtree', () => {
  it('lands on what was said last after that version', () => {
    expect(newestInSubtree(tree, 'a2')).toBe('a3');
    expect(newestInSubtree(tree, 'a2b')).toBe('a2b');
    expect(newestInSubtree(tree, 'q2')).toBe('a2c');
  });
});
