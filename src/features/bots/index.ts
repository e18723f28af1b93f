// The bots feature's public surface: the shared schemas (pagination is platform/pagination.ts).
export { ErrorBody, IdParams, Uuid } from './bots.schemas.ts';
