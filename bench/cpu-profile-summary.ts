/**
 * Where the time goes in `node --cpu-prof` output: self time per package / area and the top
 * functions, summed over every `.cpuprofile` in a folder (one per thread: main and each worker).
 *
 *   pnpm exec node --cpu-prof --cpu-prof-dir=.stack/prof bench/events-envelope.bench.ts
 *   pnpm exec node bench/cpu-profile-summary.ts .stack/prof
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
interface Profile {
  startTime: number
  endTime: number
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** The area a frame belongs to, from its script URL. */
function areaOf({ url, functionName }: ProfileNode['callFrame']): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)'
  const pkg = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1]
  if (pkg) return pkg
  if (url.startsWith('node:internal/crypto') || url.includes('internal/crypto'))
    return 'node crypto'
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/').slice(0, 2).join('/')}`
  const own = url.match(/\/(packages|services|bench)\/([^/]+)/)
  return own ? `${own[1]}/${own[2]}` : url
}

const dir = process.argv[2] ?? '.stack/prof'
const byArea = new Map<string, number>()
const byFunction = new Map<string, number>()
let total = 0
const threads: string[] = []
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const before = total
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id)
    const ms = (profile.timeDeltas[i] ?? 0) / 1000
    if (!node || node.callFrame.functionName === '(idle)') return
    total += ms
    const area = areaOf(node.callFrame)
    byArea.set(area, (byArea.get(area) ?? 0) + ms)
    const name = `${node.callFrame.functionName || '(anonymous)'} ${area}:${node.callFrame.lineNumber + 1}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms)
  })
  const wall = (profile.endTime - profile.startTime) / 1e6
  threads.push(`${file}: busy ${((total - before) / 1000).toFixed(1)} s of ${wall.toFixed(1)} s`)
}
const top = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
console.log(`busy samples: ${(total / 1000).toFixed(1)} s over all threads (idle excluded)`)
console.log(threads.join('\n'))
console.log('by area:')
console.log(top(byArea, 14).join('\n'))
console.log('top functions (self time):')
console.log(top(byFunction, 15).join('\n'))
