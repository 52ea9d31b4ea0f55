/**
 * sshd_config: a lossless parser, sshd's read order (Include, Match), effective values, and the
 * planner that makes the effective global values right with the smallest edit.
 */
export type { ConfigTree, DesiredDirectives, EffectiveEntry, FileEdit, Origin, SshdPlan } from './types.js';
export type { ConfigLine, SshdDocument } from './document.js';
export type { LexedArgument, LexedLine } from './lexer.js';
export type { MatchContext, Occurrence, ReadOrder } from './read-order.js';
export { parseSshdConfig, printSshdConfig } from './document.js';
export { lexLine, formatArgument } from './lexer.js';
export { includePatterns, missingFiles, resolveIncludePattern, sortGlobMatches, MAX_INCLUDE_DEPTH } from './includes.js';
export { readOrder } from './read-order.js';
export { effectiveValues } from './effective.js';
export { planSshd } from './plan.js';
export { applyEdits, relocate, writeTargets } from './tree.js';
export { canonicalKeyword, convtime, normalizeValue, SSHD_DEFAULTS, SSHD_KEYWORD_NAMES } from './keywords.js';
export { allowedInMatch, knownBy, opensshVersion, settableSshdKeywords, sshdKeyword, sshdKeywords, OPENSSH_RELEASES, type SshdKeyword } from './keywords.js';
export type { DesiredMembers } from './types.js';
export type { PlanOptions } from './plan.js';
