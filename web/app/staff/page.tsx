'use client'
import { useEffect, useState, type FormEvent } from 'react'
import { api, ApiProblem } from '../components/api'
import { DataTable } from '../components/data-table'
import { Loading, ProblemMessage, ProblemReference } from '../components/hooks'

interface Customer {
  sub: string
  name: string
  email: string
  loyaltyPoints: number
}
type StaffSession = { signedIn: boolean; name?: string; shopper?: boolean }

const STAFF_SIGN_IN = '/staff/auth/login'
/** Step-up (RFC 9470): the BFF signs in again asking the IdP for MFA. */
const STEP_UP = '/staff/auth/login?stepUp=mfa'

/** Sales associates (web-staff client, MFA): customer lookup and registration. */
export default function StaffPage() {
  const [session, setSession] = useState<StaffSession>()
  const [customers, setCustomers] = useState<Customer[]>()
  const [registered, setRegistered] = useState<{ name: string; username: string }>()
  const [problem, setProblem] = useState<ApiProblem>()

  useEffect(() => {
    api<StaffSession>('/api/staff/session')
      .then(setSession)
      .catch(() => setSession({ signedIn: false }))
  }, [])

  const guard = async (work: () => Promise<void>) => {
    setProblem(undefined)
    try {
      await work()
    } catch (err) {
      setProblem(
        err instanceof ApiProblem
          ? err
          : new ApiProblem(0, { detail: 'The shop is not reachable.' }),
      )
    }
  }
  const lookup = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const q = String(new FormData(event.currentTarget).get('q'))
    void guard(async () =>
      setCustomers(
        (await api<{ customers: Customer[] }>(`/api/staff/customers?q=${encodeURIComponent(q)}`))
          .customers,
      ),
    )
  }
  const register = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = event.currentTarget
    const data = new FormData(form)
    const name = String(data.get('name'))
    void guard(async () => {
      const created = await api<{ username: string }>('/api/staff/customers', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, email: data.get('email') }),
      })
      setRegistered({ name, username: created.username })
      form.reset()
    })
  }

  if (!session) return <Loading />
  if (session.shopper || problem?.status === 403) return <NotAllowed problem={problem} />
  if (!session.signedIn)
    return (
      <section className="panel narrow">
        <h1>Shop assistant</h1>
        <p>Sales associates sign in with their password and a one-time code from their app.</p>
        <p>
          <a className="button" href={STAFF_SIGN_IN}>
            Sign in as a sales associate
          </a>
        </p>
      </section>
    )
  return (
    <>
      <h1>Shop assistant</h1>
      {problem?.code === 'ZT_ERR_STEP_UP_REQUIRED' ? (
        <div role="alert" className="problem">
          <p>Please confirm it is you with your one-time code before you continue.</p>
          <p>
            <a className="button" href={STEP_UP}>
              Confirm with one-time code
            </a>
          </p>
          <ProblemReference problem={problem} />
        </div>
      ) : problem ? (
        <ProblemMessage problem={problem} signIn={STAFF_SIGN_IN} />
      ) : null}
      <div className="checkout">
        <section aria-labelledby="find-heading" className="panel">
          <h2 id="find-heading">Find a customer</h2>
          <form onSubmit={lookup} role="search">
            <label>
              Name or email
              <input name="q" required minLength={2} maxLength={100} />
            </label>
            <button type="submit">Search</button>
          </form>
          {customers ? (
            customers.length === 0 ? (
              <p role="status">No customer matches.</p>
            ) : (
              <DataTable
                columns={['Name', 'Email', 'Points']}
                caption={`${customers.length} customer${customers.length === 1 ? '' : 's'} found`}
              >
                {customers.map((c) => (
                  <tr key={c.sub}>
                    <td>{c.name}</td>
                    <td>{c.email}</td>
                    <td>{c.loyaltyPoints}</td>
                  </tr>
                ))}
              </DataTable>
            )
          ) : null}
        </section>
        <section aria-labelledby="register-heading" className="panel">
          <h2 id="register-heading">Register a customer</h2>
          <form onSubmit={register}>
            <label>
              Full name
              <input name="name" required maxLength={100} autoComplete="off" />
            </label>
            <label>
              Email
              <input name="email" type="email" required maxLength={254} autoComplete="off" />
            </label>
            <button type="submit">Register</button>
          </form>
          {registered ? (
            <p role="status" className="notice">
              {registered.name} is registered with username <strong>{registered.username}</strong>.
            </p>
          ) : null}
        </section>
      </div>
    </>
  )
}

/** A signed-in user without the sales-associate role (or a shopper's session) sees this. */
function NotAllowed({ problem }: { problem: ApiProblem | undefined }) {
  return (
    <section className="panel narrow" aria-labelledby="not-allowed">
      <h1 id="not-allowed">Not allowed</h1>
      <p role="alert">
        This area is for sales associates only. Your account cannot look up or register customers.
      </p>
      {problem ? <ProblemReference problem={problem} /> : null}
      <p>
        <a className="button" href="/">
          Back to the shop
        </a>
      </p>
    </section>
  )
}
