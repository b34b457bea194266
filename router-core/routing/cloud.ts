// Cloud as a kind, not a vendor: which engines are clouds, whose, and which engine answers a cloud model.
import { cloudEngineOf, engineKinds, type CloudProvider, type EngineId } from '../contracts/decision.js';
import { findModel } from '../data/models.js';

/** Every provider, in the order a first choice is picked when none is named (Claude first: today's default). */
export const cloudProviders: readonly CloudProvider[] = ['anthropic', 'openai', 'gemini', 'compat'];

/** How people read a provider's name (badges, reasons, settings). */
export const providerNames: Record<CloudProvider, string> = {
  anthropic: 'Claude',
  openai: 'OpenAI',
  gemini: 'Gemini',
  compat: 'OpenAI-compatible cloud',
};

/** Every cloud engine id (the ledger's SQL counts a row as cloud by this list). */
export const cloudEngineIds: readonly EngineId[] = (Object.keys(engineKinds) as EngineId[]).filter((e) => engineKinds[e].kind === 'cloud');

/** Every local engine id, in `engineKinds`' order. */
export const localEngineIds: readonly EngineId[] = (Object.keys(engineKinds) as EngineId[]).filter((e) => engineKinds[e].kind === 'local');

/**
 * The order local engines are tried for a model several can run: every local engine of `engineKinds`, Ollama first
 * (the models a person pulled there), except that an explicit HYBRID_AI_LOCAL_MODEL ("use this file") puts the
 * embedded engine first.
 */
export function localEnginePreference(explicitLocalModel: boolean): EngineId[] {
  const first: EngineId = explicitLocalModel ? 'llamacpp' : 'ollama';
  return [first, ...localEngineIds.filter((e) => e !== first)];
}

/** True when `engine` is a cloud (tokens billed by a provider); false for local engines, unknown ids and null. */
export function isCloudEngine(engine: string | null | undefined): boolean {
  if (!engine) return false;
  return (engineKinds as Record<string, { kind: string } | undefined>)[engine]?.kind === 'cloud';
}

/** The provider behind a cloud engine; undefined for a local engine. */
export function providerOf(engine: string | null | undefined): CloudProvider | undefined {
  if (!engine) return undefined;
  return (engineKinds as Record<string, { provider?: CloudProvider } | undefined>)[engine]?.provider;
}

/**
 * The provider of a cloud model: the catalog's, or for a raw id Claude's family (claude-…, as before: every such id is
 * passed through to Claude); else undefined (another cloud's raw id counts only where its engine lists it: the policy).
 */
export function providerOfModel(model: string): CloudProvider | undefined {
  const entry = findModel(model);
  if (entry) return entry.kind === 'cloud' ? ((entry as { provider?: CloudProvider }).provider ?? 'anthropic') : undefined;
  if (model.trim().toLowerCase().startsWith('claude-')) return 'anthropic';
  return undefined;
}

/** The engine that answers a cloud model, or undefined when `model` is not a known cloud model. */
export function cloudEngineForModel(model: string): EngineId | undefined {
  const p = providerOfModel(model);
  return p && cloudEngineOf[p];
}

/** `'anthropic', 'openai', …` for an SQL `IN (…)` list (ids are fixed identifiers, never user input). */
export function cloudEngineSqlList(): string {
  return cloudEngineIds.map((e) => `'${e.replace(/'/g, "''")}'`).join(', ');
}
