// Request and response schemas of /auth/*. These also write the OpenAPI document.
import { Type } from 'typebox';
import { Password } from './account.schemas.ts';

const CookieFlag = Type.Boolean({
  description:
    'true: also set the refresh token as the HttpOnly cookie tw_refresh (Path=/api/v1/auth, SameSite=Strict) ' +
    'plus a readable tw_csrf cookie, and leave refresh_token out of the body. Requests authenticated by that ' +
    'cookie must send X-CSRF-Token equal to tw_csrf and an allowed Origin.',
});

/** JSON login: `username` or `email` (one of them), as the original clients send either. */
export const TokenJsonBody = Type.Object(
  {
    username: Type.Optional(Type.String({ maxLength: 1024 })),
    email: Type.Optional(Type.String({ maxLength: 1024 })),
    password: Password,
    cookie: Type.Optional(CookieFlag),
  },
  { examples: [{ username: 'alice@example.com', password: 'Correct-Horse-9!' }] },
);

/** OAuth2 password form (RFC 6749 §4.3.2), with the extras FastAPI's OAuth2PasswordRequestForm takes. */
export const TokenFormBody = Type.Object(
  {
    username: Type.String({ maxLength: 1024 }),
    password: Password,
    grant_type: Type.Optional(Type.Literal('password')),
    scope: Type.Optional(Type.String({ maxLength: 1024 })),
    client_id: Type.Optional(Type.String({ maxLength: 1024 })),
    client_secret: Type.Optional(Type.String({ maxLength: 1024 })),
    cookie: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  },
  { examples: [{ username: 'alice@example.com', password: 'Correct-Horse-9!', grant_type: 'password' }] },
);

export const RefreshBody = Type.Object(
  {
    refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    cookie: Type.Optional(CookieFlag),
  },
  { examples: [{ refresh_token: 'the refresh_token of the last pair' }] },
);

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'access-token lifetime in seconds' }),
  refresh_token: Type.Optional(
    Type.String({ description: 'opaque; absent when delivered as the tw_refresh cookie' }),
  ),
});
