/** What fleet knows about one host before planning: read once, then plain data (its types live in core). */
export type { HostFacts, ReloadMethod } from '../core/host-facts.js';
