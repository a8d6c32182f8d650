// The version receivers see in `user-agent: Hookline/<version>`.
export const HOOKLINE_VERSION = "0.1.0";
export const USER_AGENT = `Hookline/${HOOKLINE_VERSION}`;
