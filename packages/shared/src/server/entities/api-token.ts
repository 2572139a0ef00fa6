import { defineEntity, p } from '@mikro-orm/core';
import type { ApiTokenKind } from '../../schemas/common.ts';
import { timestampNow, uuidPrimaryKey } from './columns.ts';

export { API_TOKEN_KINDS, type ApiTokenKind } from '../../schemas/common.ts';

export const ApiTokenSchema = defineEntity({
  name: 'ApiToken',
  tableName: 'api_tokens',
  properties: {
    id: uuidPrimaryKey(),
    // sha256 of the token: the token itself is shown once and never stored.
    tokenHash: p.string().length(64).unique('idx_api_tokens_token_hash'),
    kind: p.string().length(16).$type<ApiTokenKind>(),
    userId: p.string().length(255).nullable(),
    label: p.string().length(255).nullable(),
    createdAt: timestampNow(),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
  checks: [
    { name: 'api_tokens_kind_check', expression: `kind in ('user', 'service')` },
    { name: 'api_tokens_user_has_user_id_check', expression: `kind <> 'user' or user_id is not null` },
  ],
});

export class ApiToken extends ApiTokenSchema.class {}
ApiTokenSchema.setClass(ApiToken);
