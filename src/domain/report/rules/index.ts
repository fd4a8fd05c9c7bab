import type { Rule } from '../types.js'
import { codeRules } from './codes.js'
import { credentialRules } from './credentials.js'
import { faultRules } from './faults.js'
import { grantRules } from './grants.js'
import { kycRules } from './kyc.js'
import { oidcRules } from './oidc.js'
import { revokeRules } from './revoke.js'
import { tokenRules } from './tokens.js'

/** Every rule the report evaluates, in the order it lists them. */
export const RULES: readonly Rule[] = [...codeRules, ...tokenRules, ...credentialRules, ...grantRules, ...faultRules, ...oidcRules, ...revokeRules, ...kycRules]
