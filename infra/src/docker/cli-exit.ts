/** How the Docker path's commands end: `main`'s exit code, or 1 with the error's code and message. */
export async function exitWith(main: () => Promise<number>, log: (line: string) => void) {
  try {
    process.exitCode = await main()
  } catch (error) {
    const { code, message } = error as { code?: string; message: string }
    log(`${code ?? 'ERROR'}: ${message}`)
    process.exitCode = 1
  }
}
