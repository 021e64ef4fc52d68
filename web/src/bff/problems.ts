/**
 * The BFF's refusals (RFC 9457 problem+json with stable codes). The audit reason of each is the
 * dotted code next to it.
 */
import { defineProblem } from '@mythical/problem'

export const WebProblems = {
  SessionRequired: defineProblem('ZT_ERR_SESSION_REQUIRED', 401, 'Sign-in required'),
  CrossSiteRequest: defineProblem('ZT_ERR_CROSS_SITE_REQUEST', 403, 'Cross-site request refused'),
  SignInFailed: defineProblem('ZT_ERR_SIGN_IN_FAILED', 400, 'Sign-in could not be completed'),
  UpstreamUnavailable: defineProblem('ZT_ERR_UPSTREAM_UNAVAILABLE', 502, 'Service unavailable'),
  NotFound: defineProblem('ZT_ERR_NOT_FOUND', 404, 'Not found'),
  BadRequest: defineProblem('ZT_ERR_BAD_REQUEST', 400, 'Bad request'),
  StaffOnly: defineProblem('ZT_ERR_STAFF_ONLY', 403, 'Sales associates only'),
  TrackingUnavailable: defineProblem(
    'ZT_ERR_TRACKING_UNAVAILABLE',
    502,
    'Parcel tracking unavailable',
  ),
} as const

/** Audit reasons of the BFF's decisions (TB01/TB02; staff TB11; tracking TB10). */
export const WEB_REASONS = {
  sessionMissing: 'session.missing',
  sessionUnknown: 'session.unknown',
  sessionExpired: 'session.expired',
  crossSite: 'csrf.origin_mismatch',
  signInState: 'sign_in.state_unknown',
  signInRefused: 'sign_in.refused',
  signedIn: 'sign_in.completed',
  sessionValid: 'session.valid',
  shopperAtStaff: 'staff.shopper_session',
  trackingUnreachable: 'tracking.partner_unreachable',
  tracked: 'tracking.partner_answered',
} as const
