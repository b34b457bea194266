// Word lists that tell a follow-up turn from a new request and from a mere acknowledgement (read by routing/conversation.ts).

/** Words that acknowledge, greet or close on their own. */
const ACK =
  '(?:ok(?:ay)?|k|kk|thanks?|thank you|thx|ty|cheers|great|cool|nice|perfect|awesome|excellent|got it|understood|makes sense|' +
  'sounds good|good|fine|alright|all right|yes|yep|yeah|no|nope|sure|hi|hello|hey|bye|goodbye|see you|good (?:morning|night|evening)|' +
  'lol|wow|merci|danke|gracias)';
/** What may follow them without making a request ("thanks a lot", "hello again", "thanks for the help"). */
const FILLER =
  '(?:again|there|everyone|all|guys|folks|friend|buddy|mate|man|then|anyway|a lot|so much|very much|much|' +
  'for (?:that|this|it|the (?:help|answer|explanation|tip|info)|your help)|you)';

/**
 * A whole turn that only acknowledges, greets or closes ("thanks", "ok", "hello again", "thanks for the help"): it
 * needs no model strength, whatever came before. Anchored to the whole (trimmed) turn, so "thanks, now add tests"
 * is not one.
 */
export const acknowledgementPattern = new RegExp(`^${ACK}(?:[\\s,!.]+(?:${ACK}|${FILLER}))*[\\s!.,:;)(-]*$`, 'i');

/**
 * Openings that continue the previous task: a conjunction or adverb tying the turn to what came before
 * ("and", "now", "also", "then"), a request to redo or change the last answer ("make it", "try again",
 * "shorter"), or a bare question about it ("why?", "how so?").
 */
export const continuationOpeners =
  /^(?:and|also|now|then|next|but|so|or|plus|instead|again|what about|how about|same|ok(?:ay)?,? (?:now|and|but|so)|thanks?,? (?:now|and|but|can)|why|how so|how come|really|are you sure|wait|hmm|make it|make them|do it|do the same|try again|redo|rewrite it|shorter|longer|simpler|more|less|continue|go on|keep going|elaborate|explain (?:it|that|this|why|more|further)|fix it|fix that|improve it|add|remove|change|use|can you (?:also|now|make|add|fix|explain)|could you (?:also|now|make|add|fix|explain)|what if|what does (?:it|that|this) mean|in (?:python|rust|go|java|c\+\+|c#|typescript|javascript))\b/i;

/**
 * References to something earlier in the conversation (anaphora): pronouns and phrases that point back at the last
 * answer or the code under discussion. Read in the first words of a turn, where a follow-up names its object. Bare
 * "that", "its", "before" are left out: they open new requests as often ("Write a function that ...").
 */
export const backReferences =
  /\b(?:it|this|these|those|them|the above|above|previous|your (?:answer|code|solution|version|function|example|list|text|draft)|you (?:said|wrote|gave|suggested|mentioned)|the (?:code|function|script|class|query|answer|solution|example|list|table|text|draft|essay|story|poem|email|letter|proof|plan|last one|same))\b/i;
