/**
 * `@mythical/telemetry`: OpenTelemetry spans of the trust trace. A tracer provider exporting over
 * OTLP/HTTP with mTLS (`startTracing`), one span per hop (`hopSpanPlugin`; `oidcHopSpan` for the
 * IdP's oidc-provider), one span per consumed event (`withConsumerSpan`). Audit decisions become span events in `@mythical/audit`.
 *
 * @module
 */
export { otlpExporter, startTracing, tracingFromEnvironment } from './tracing.ts'
export { otlpExportOf } from './config.ts'
export type { OtlpExport, OtlpProtocol } from './config.ts'
export type { Tracing, TracingIdentity, TracingOptions } from './tracing.ts'
export { hopSpanPlugin, PROBLEM_CODE, REFUSAL_EVENT } from './hop-span-plugin.ts'
export type { HopSpanOptions } from './hop-span-plugin.ts'
export { hopSpanIds, withSpanId } from './hop-span-ids.ts'
export { OAUTH_ATTRIBUTES, oidcHopSpan } from './oidc-hop-span.ts'
export type { OidcHopSpanOptions, OidcRequestContext } from './oidc-hop-span.ts'
export { recordVerifiedToken, tokenAttributes } from './token-attributes.ts'
export type { TokenClaims } from './token-attributes.ts'
export { consumedEvent, envelopeAttributes, startPublishSpan, withEventSpan } from './event-span.ts'
export type { ConsumedEvent, PublishSpan } from './event-span.ts'
