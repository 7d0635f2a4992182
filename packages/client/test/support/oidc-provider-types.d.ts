// oidc-provider ships no type declarations and @types/oidc-provider is not installed.
declare module 'oidc-provider';
