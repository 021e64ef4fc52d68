/** docker-compose.yml generator: same manifest, same service environment as the local runner. */
export { composeDocument, renderCompose, REGENERATE_COMMAND } from './compose-document.ts'
export { nodeService, HEALTHCHECK, PKI_INIT, DB_PROVISION } from './node-service.ts'
export { NODE_BASE_IMAGE, NODE_SERVICE_IMAGE } from './images.ts'
export type { ComposeDocument, ComposeService, VolumeMount } from './types.ts'
export { validateComposeSchema } from './schema.ts'
export { hardeningViolations } from './check-hardening.ts'
