import { InvalidCertificate } from '../errors.ts'
import { x509 } from './x509.ts'

/** Parses one PEM certificate, turning any parser failure into a typed `InvalidCertificate`. */
export function parseCertificate(certPem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(certPem)
  } catch (cause) {
    throw new InvalidCertificate('not a PEM X.509 certificate', { cause })
  }
}
