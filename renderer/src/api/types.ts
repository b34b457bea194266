// The native API's wire shapes: one set, in router-core/contracts/api.ts, shared with the server.
export type * from '../../../router-core/contracts/api';
