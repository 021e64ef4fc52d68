/** A certificate and its private key, both PEM (`CERTIFICATE` and PKCS#8 `PRIVATE KEY`). */
export interface KeyAndCertificate {
  certPem: string
  keyPem: string
}
