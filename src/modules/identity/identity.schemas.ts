import { Type, type Static } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../../infra/schemas.js';

export const User = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    username: Type.Union([Type.String(), Type.Null()]),
    full_name: Type.String(),
    phone: Type.Union([Type.String(), Type.Null()]),
    is_active: Type.Boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'User' },
);
export type UserDto = Static<typeof User>;

export const Me = Type.Composite(
  [
    User,
    Type.Object({
      platform_roles: Type.Array(Type.String()),
      memberships: Type.Array(
        Type.Object(
          { organization_id: Uuid, organization_type: Type.String(), organization_name: Type.String(), role: Type.String() },
          { title: 'Membership' },
        ),
      ),
    }),
  ],
  { title: 'Me', description: 'The caller, with platform roles and memberships' },
);

const Password = Type.String({ minLength: 1, maxLength: 1024, description: '8..128 characters with upper case, lower case and a digit' });
const Username = Type.String({ minLength: 3, maxLength: 50, pattern: '^[A-Za-z0-9_.-]+$' });
const Phone = Type.String({ minLength: 3, maxLength: 32, pattern: '^[0-9+()\\- .]+$' });

/** Registration never takes a role: unknown fields such as `role` are dropped. */
export const RegisterBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Password,
    full_name: Type.String({ minLength: 1, maxLength: 200 }),
    username: Type.Optional(Username),
    phone: Type.Optional(Phone),
  },
  {
    additionalProperties: false,
    title: 'RegisterBody',
    examples: [{ email: 'new.buyer@example.com', password: 'Password123', full_name: 'New Buyer', username: 'new.buyer' }],
  },
);
export type RegisterInput = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  {
    additionalProperties: false,
    title: 'LoginBody',
    description: '`email` or `username`, and the password',
    examples: [{ email: 'consumer@example.com', password: 'Password123' }],
  },
);
export type LoginInput = Static<typeof LoginBody>;

export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false, title: 'RefreshBody' });
export const LogoutBody = Type.Object(
  {
    refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    all: Type.Optional(Type.Boolean({ description: 'Revoke every refresh token of the user (log out everywhere)' })),
  },
  { additionalProperties: false, title: 'LogoutBody' },
);
export const ChangePasswordBody = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 1024 }), new_password: Password },
  { additionalProperties: false, title: 'ChangePasswordBody' },
);
export const UpdateMeBody = Type.Object(
  {
    full_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    username: Type.Optional(Type.Union([Username, Type.Null()])),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1, title: 'UpdateMeBody' },
);
export type UpdateMeInput = Static<typeof UpdateMeBody>;

export const AuthResponse = Type.Object(
  {
    user: User,
    access_token: Type.String(),
    refresh_token: Type.String(),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
  },
  {
    title: 'AuthResponse',
    description:
      'The user and a new token pair: send `access_token` as `Authorization: Bearer …`; exchange `refresh_token` (single use) at `POST /auth/refresh`',
    examples: [
      {
        user: {
          id: '01920a6e-8e9f-7a01-9b23-456789abcdef',
          email: 'consumer@example.com',
          username: null,
          full_name: 'Retail Store Chain Owner',
          phone: null,
          is_active: true,
          created_at: '2024-04-01T08:00:00.000Z',
          updated_at: '2024-04-01T08:00:00.000Z',
        },
        access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkyMGE2ZS04ZTlmLTdhMDEtOWIyMy00NTY3ODlhYmNkZWYifQ.c2lnbmF0dXJl',
        refresh_token: 'Yp3k1R0xW7fQ9sLmN2vB8cT4hJ6gD5aE',
        token_type: 'bearer',
        expires_in: 1800,
      },
    ],
  },
);
export type AuthResponseDto = Static<typeof AuthResponse>;
