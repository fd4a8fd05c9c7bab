import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { GRANTS } from '../../domain/grants.js'
import { PROMPT_VALUES } from '../../domain/oidc.js'
import { UserInfoSchema } from '../../domain/users.js'
import { OIDC_TOKEN_PATHS, oidcAddress } from '../../http/issuer.js'
import { OIDC_USERINFO_PATH } from './userinfo.js'

export const DISCOVERY_PATH = '/.well-known/openid-configuration'
export const JWKS_PATH = '/.well-known/jwks.json'

const Strings = Type.Array(Type.String())

export const DiscoverySchema = Type.Object({
  issuer: Type.String({ description: 'ISSUER, or PUBLIC_URL, or (neither set) the address the client used: the iss of the id_tokens it gets' }),
  authorization_endpoint: Type.String(),
  token_endpoint: Type.String(),
  userinfo_endpoint: Type.String(),
  jwks_uri: Type.String(),
  response_types_supported: Strings,
  response_modes_supported: Strings,
  grant_types_supported: Strings,
  subject_types_supported: Strings,
  id_token_signing_alg_values_supported: Strings,
  token_endpoint_auth_methods_supported: Strings,
  scopes_supported: Strings,
  code_challenge_methods_supported: Strings,
  prompt_values_supported: Strings,
  claims_supported: Strings,
  claim_types_supported: Strings,
  claims_parameter_supported: Type.Boolean(),
  request_parameter_supported: Type.Boolean(),
  request_uri_parameter_supported: Type.Boolean()
})

/** Only the public members: even if a private key object reached the reply, the serializer would drop d, p, q, dp, dq, qi. */
export const JwksSchema = Type.Object({
  keys: Type.Array(Type.Object({
    kty: Type.Literal('RSA'),
    n: Type.String(),
    e: Type.String(),
    kid: Type.String(),
    alg: Type.Literal('RS256'),
    use: Type.Literal('sig')
  }))
})

const ID_TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'auth_time']

/** Everything a standard OIDC client needs to run the flow from the issuer's URL alone. */
export function discoveryDocument (baseUrl: string, issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${baseUrl}/openid`,
    token_endpoint: `${baseUrl}${OIDC_TOKEN_PATHS[0]}`,
    userinfo_endpoint: `${baseUrl}${OIDC_USERINFO_PATH}`,
    jwks_uri: `${baseUrl}${JWKS_PATH}`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: ['openid', ...GRANTS.filter((grant) => grant !== 'openid')],
    code_challenge_methods_supported: ['S256'],
    prompt_values_supported: [...PROMPT_VALUES],
    claims_supported: [...ID_TOKEN_CLAIMS, ...Object.keys(UserInfoSchema.properties)],
    claim_types_supported: ['normal'],
    // Stated, because OIDC Discovery 3 defaults request_uri_parameter_supported to true.
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false
  }
}

/** Sandbox additions (the docs publish neither), so OIDC client libraries can discover the sandbox. */
export const discoveryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(DISCOVERY_PATH, {
    schema: { summary: 'OIDC discovery document', tags: ['oidc'], response: { 200: DiscoverySchema } }
  }, async (request) => {
    const { base, issuer } = oidcAddress(request.sandbox, request)
    return discoveryDocument(base, issuer)
  })

  app.get(JWKS_PATH, {
    schema: { summary: 'The public key that signs id_tokens (JWKS)', tags: ['oidc'], response: { 200: JwksSchema } }
  }, async (request) => request.sandbox.idTokens.jwks())
}
