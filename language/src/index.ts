export * from './probekit-module.js';
export * from './common/host-facts.js';
export * from './common/check-options.js';
export * from './common/probekit-check.js';
export * from './common/language-settings.js';
