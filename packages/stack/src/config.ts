/**
 * The one setting this package reads from the environment: `MYTHICAL_STACK_DIR`, a state folder
 * other than `<repository>/.stack` (see paths.ts). Read once, when the package loads.
 */

/** Environment variable naming the state folder of the default root. */
export const STACK_DIR_VARIABLE = 'MYTHICAL_STACK_DIR'

/** The folder `MYTHICAL_STACK_DIR` names, or undefined when it is unset or empty. */
export const stackDirOverride: string | undefined = process.env[STACK_DIR_VARIABLE] || undefined
