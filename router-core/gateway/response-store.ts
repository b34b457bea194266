// Stored OpenAI Responses API objects in the ledger: readable while history is on, sealed (encrypted) while it is off.
//
// A sealed response is one the caller asked to store (`store` not false) while history is off. Its id carries a random
// secret: `resp_<part>`, where part is 48 hex digits (24 random bytes, 192 bits), the length of OpenAI's own ids, and
// its output items reuse the part (`msg_<part>`, `fc_<part>_<n>`), so an `item_reference` names its response. From the
// part come two values that cannot be turned back into it:
//   lookup key = HKDF-SHA256(part, info "…lookup") as hex: the row's primary key;
//   seal key   = HKDF-SHA256(part, info "…seal"), 32 bytes: AES-256-GCM over the JSON body, with the owner and the
//                lookup key as associated data (a body moved to another row or owner does not open).
// The ledger keeps neither the id nor the part; whoever holds an id (the caller it was sent to) can find and open the
// response, nobody else can, the owner check applies on top, and rows go after SEALED_RESPONSE_TTL_MS.
import { hkdfSync, randomBytes } from 'node:crypto';
import type { Ledger } from '../ledger/ledger.js';
import { openText, sealText } from '../seal.js';
import type { Caller, ResponseStore } from './protocol.js';

/**
 * How long a sealed response can be continued. why: 24 h, the response cache's default TTL, so history off keeps no
 * ciphertext of either kind longer than a day; it covers a working session and coming back to a chat later the same
 * day, while an AI SDK conversation older than that gets OpenAI's 404 for its earlier answers (the app then starts
 * over, or sends `providerOptions.openai.store: false` to carry its whole conversation itself).
 */
export const SEALED_RESPONSE_TTL_MS = 24 * 60 * 60 * 1000;

/** why: 24 bytes = 192 random bits, far past guessing, and 48 hex digits, as long as OpenAI's own ids. */
const SECRET_BYTES = 24;
const SEALED_PART = /^[0-9a-f]{48}$/;

/** The ledger's owner of what a caller stores: its app key's id, '' for the main token. */
export const ownerOf = (caller: Caller): string => caller.appKeyId ?? '';

const derive = (part: string, what: 'lookup' | 'seal'): Buffer =>
  Buffer.from(hkdfSync('sha256', Buffer.from(part, 'hex'), Buffer.alloc(0), `hybrid-ai sealed response v1 ${what}`, 32));

/** The lookup key and seal key of a sealed response id, or undefined when `id` is not one (readable ids have dashes). */
export function sealedKeys(id: string): { lookup: string; seal: Buffer } | undefined {
  const part = id.startsWith('resp_') ? id.slice('resp_'.length) : '';
  if (!SEALED_PART.test(part)) return undefined;
  return { lookup: derive(part, 'lookup').toString('hex'), seal: derive(part, 'seal') };
}

/** Associated data of a sealed body: whose it is and the row it is kept in. */
const aadOf = (owner: string, lookup: string): Buffer => Buffer.from(`${owner}\0${lookup}`, 'utf8');

type ResponseLedger = Pick<
  Ledger,
  'saveResponse' | 'getResponse' | 'deleteResponse' | 'saveSealedResponse' | 'getSealedResponse' | 'deleteSealedResponse'
>;

/**
 * Stored responses over the ledger. Readable ones only while history is on (off: nothing readable is kept or found,
 * though rows kept earlier stay for when it is on again); sealed ones whatever history is, until they expire.
 */
export function ledgerResponseStore(ledger: ResponseLedger, history: () => boolean, now: () => number): ResponseStore {
  return {
    enabled: history,
    sealedIdPart: () => randomBytes(SECRET_BYTES).toString('hex'),
    async save(id, createdAt, body, caller, how) {
      const owner = ownerOf(caller);
      if (how === 'readable') {
        if (history()) await ledger.saveResponse(id, createdAt, JSON.stringify(body), owner);
        return;
      }
      const keys = sealedKeys(id);
      // A sealed save always comes with an id from sealedIdPart; anything else is kept nowhere rather than readable.
      if (!keys) return;
      const t = now();
      await ledger.saveSealedResponse(
        keys.lookup,
        sealText(JSON.stringify(body), keys.seal, aadOf(owner, keys.lookup)),
        owner,
        t + SEALED_RESPONSE_TTL_MS,
        t,
      );
    },
    async get(id, caller) {
      const owner = ownerOf(caller);
      const keys = sealedKeys(id);
      if (keys) {
        const sealed = await ledger.getSealedResponse(keys.lookup, owner, now());
        const text = sealed === undefined ? undefined : openText(sealed, keys.seal, aadOf(owner, keys.lookup));
        if (text !== undefined) return JSON.parse(text) as unknown;
      }
      if (!history()) return undefined;
      const text = await ledger.getResponse(id, owner);
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    },
    async delete(id, caller) {
      const owner = ownerOf(caller);
      const keys = sealedKeys(id);
      if (keys && (await ledger.deleteSealedResponse(keys.lookup, owner))) return true;
      return ledger.deleteResponse(id, owner);
    },
  };
}
