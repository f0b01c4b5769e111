// The public API of @sagashop/sqs-client (README.md).
export { SqsClient, type SqsClientOptions } from './client';
export { SqsError, AbortError, TimeoutError } from './errors';
export { SigV4Signer, resolveCredentials, amzDate, type Credentials, type SignableRequest } from './signer';
export type * from './types';
