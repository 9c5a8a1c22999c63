/** Users and teams of the demo CRM. */
import type { UserRole } from '../model/index.js';
import type { DemoTeam, DemoUser } from './model.js';
import { personName } from './people.js';
import type { SeededRandom } from './random.js';
import { idMaker, type Run } from './run.js';
import { DAY, WORKING_DAY } from './time.js';
import { TEAM_NAMES, type DemoLanguage } from './vocabulary.js';

/** Users and teams, plus who may be given new records. */
export interface Staff {
  readonly users: DemoUser[];
  readonly teams: DemoTeam[];
  readonly languageOf: ReadonlyMap<string, DemoLanguage>;
  readonly isActive: ReadonlyMap<string, boolean>;
  /** Active users, or everyone when nobody is active. */
  readonly available: readonly string[];
  /** Who new records of a language go to: active reps of that language, else any active rep, else anyone. */
  ownerPool(language: DemoLanguage): readonly string[];
}

/** One admin, a manager per team, the rest reps spread over the teams; teams alternate Chinese and English. */
export function generateStaff(run: Run, random: SeededRandom, userCount: number, teamCount: number): Staff {
  const { iso } = run;
  const teamId = idMaker('team', teamCount);
  const userId = idMaker('usr', userCount);
  const teamLanguage = (index: number): DemoLanguage => (index % 2 === 0 ? 'zh' : 'en');
  const setupAt = iso(run.start);
  const teams: DemoTeam[] = [];
  for (let index = 0; index < teamCount; index++) {
    const names = TEAM_NAMES[teamLanguage(index)];
    const round = Math.floor(index / 2 / names.length);
    const name = names[Math.floor(index / 2) % names.length]!;
    teams.push({
      id: teamId(index),
      name: round === 0 ? name : `${name} ${round + 1}`,
      memberIds: [],
      createdAt: setupAt,
      updatedAt: setupAt,
    });
  }

  const users: DemoUser[] = [];
  const languageOf = new Map<string, DemoLanguage>();
  const isActive = new Map<string, boolean>();
  const activeUsers: string[] = [];
  const activeReps: Record<DemoLanguage, string[]> = { zh: [], en: [] };
  const usedEmails = new Set<string>();
  let repIndex = 0;
  for (let index = 0; index < userCount; index++) {
    const managerOf = index >= 1 && index <= teamCount ? index - 1 : undefined;
    const role: UserRole = index === 0 ? 'admin' : managerOf !== undefined ? 'manager' : 'rep';
    const team = role === 'rep' && teamCount > 0 ? repIndex % teamCount : managerOf;
    const language = team === undefined ? random.pick(['zh', 'en'] as const) : teamLanguage(team);
    const person = personName(random, language);
    const local = `${person.latinGiven}.${person.latinFamily}`;
    let email = `${local}@crmkit-demo.example`;
    for (let n = 2; usedEmails.has(email); n++) email = `${local}${n}@crmkit-demo.example`;
    usedEmails.add(email);
    // Every fifth rep has left: their records stay theirs, but assignment skips them.
    const active = role !== 'rep' || repIndex % 5 !== 4;
    // The CRM is set up on the first working day: its users first, then the customers already on the books.
    const created = index === 0 ? run.start : run.between(random, run.start, run.clock.at(WORKING_DAY - 1));
    const user: DemoUser = {
      id: userId(index),
      name: person.name,
      email,
      role,
      active,
      locale: language === 'zh' ? 'zh-CN' : 'en-US',
      createdAt: iso(created),
      updatedAt: iso(active ? created : run.between(random, run.now - 120 * DAY, run.now - 30 * DAY)),
    };
    if (team !== undefined) {
      user.teamId = teams[team]!.id;
      teams[team]!.memberIds.push(user.id);
      if (managerOf !== undefined) teams[team]!.managerId = user.id;
    }
    if (role === 'rep') user.capacity = random.int(4, 12) * 5;
    else if (role === 'manager') user.capacity = random.int(2, 4) * 5;
    users.push(user);
    languageOf.set(user.id, language);
    isActive.set(user.id, active);
    if (active) activeUsers.push(user.id);
    if (active && role === 'rep') activeReps[language].push(user.id);
    if (role === 'rep') repIndex++;
  }
  const available = activeUsers.length > 0 ? activeUsers : users.map((user) => user.id);
  return {
    users,
    teams,
    languageOf,
    isActive,
    available,
    ownerPool(language) {
      const own = activeReps[language];
      if (own.length > 0) return own;
      const other = activeReps[language === 'zh' ? 'en' : 'zh'];
      return other.length > 0 ? other : available;
    },
  };
}
