/** The Redis version Sinew is compatible with and reports (HELLO, INFO). */
export const SINEW_VERSION = '7.0.15';
/** Sinew's own package version. */
export const SINEW_PACKAGE_VERSION = '0.1.0';
