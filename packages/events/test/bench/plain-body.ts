/**
 * The same pipeline without the envelope, for comparison: the event as plain JSON, and an opener
 * that only parses it and checks the message id. Nothing here is safe to ship; it is the baseline.
 */
import { EventRejected } from '../../src/index.ts'
import type { BusinessEvent, VerifiedEvent } from '../../src/index.ts'

export const sealPlain = async (event: BusinessEvent): Promise<Buffer> =>
  Buffer.from(JSON.stringify({ ...event, iat: Math.floor(Date.now() / 1000) }))

export const plainOpener =
  (issuer: string, audience: string) =>
  async (body: Buffer, messageId: string | undefined): Promise<VerifiedEvent> => {
    const event = JSON.parse(body.toString('utf8')) as BusinessEvent & { iat: number }
    if (event.id !== messageId) throw new EventRejected('event.message_id_mismatch')
    return { ...event, issuer, audience, issuedAt: event.iat }
  }
