/** Stable codes of the identity domain. */
export const IdentityErrorCodes = {
  invalidEmail: 'IDENTITY.INVALID_EMAIL',
  weakPassword: 'IDENTITY.WEAK_PASSWORD',
  invalidDisplayName: 'IDENTITY.INVALID_DISPLAY_NAME',
  invalidCredentials: 'IDENTITY.INVALID_CREDENTIALS',
  invalidRefreshToken: 'IDENTITY.INVALID_REFRESH_TOKEN',
} as const;
