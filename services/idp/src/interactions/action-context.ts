/**
 * What every interaction action works with: the request, the pending interaction, the page
 * renderer with its security headers, the audit trail and the way to hand control back to
 * oidc-provider.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { InteractionResults } from 'oidc-provider'
import type { IdpAudit } from '../audit/idp-audit.ts'
import type { PageContext } from './views.ts'

/** oidc-provider's view of the pending interaction. */
export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>

/** The request-scoped context of one interaction action. */
export interface ActionContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly provider: Provider
  readonly details: InteractionDetails
  readonly clientId: string
  /** Inputs every page needs (uid, CSRF token, client name). */
  readonly view: PageContext
  /** The submitted form (empty for GET). */
  readonly form: URLSearchParams
  /** Send an HTML page with the interaction security headers. */
  page(status: number, html: string): void
  /** Audit one decision of this interaction. */
  record(
    decision: 'allow' | 'deny',
    reason: string,
    boundary: 'TB02' | 'TB11',
    subject?: string,
  ): void
  /** Finish the interaction; oidc-provider redirects the browser onwards. */
  finish(result: InteractionResults, mergeWithLastSubmission?: boolean): Promise<void>
}

/** Build the context (the form is read by the caller after the CSRF-independent checks). */
export function actionContext(
  base: Omit<ActionContext, 'record' | 'finish'> & { audit: IdpAudit },
): ActionContext {
  const { audit, ...rest } = base
  return {
    ...rest,
    record(decision, reason, boundary, subject) {
      audit.record(base.req, { decision, reason, boundary, client: base.clientId, subject })
    },
    async finish(result, mergeWithLastSubmission = false) {
      await base.provider.interactionFinished(base.req, base.res, result, {
        mergeWithLastSubmission,
      })
    },
  }
}
