// One shared label table: every code the core defines reads as a label in English and in Simplified Chinese, an
// unknown code reads as words, and a host's own labels come first.
import { expect } from '@open-wc/testing';
import {
  DEFAULT_LOST_REASON_CODES,
  activityDirections,
  activityTypes,
  consentPurposes,
  consentStatuses,
  customerKinds,
  dealStatuses,
  defaultLifecycleRules,
  leadStatuses,
  legalBases,
  lifecycleStages,
  stageKinds,
  taskStatuses,
  taskTypes,
} from '@crmkit/core';
import { crmLabel, crmLabelCodes, crmLabelKinds, hasCrmLabel, setCrmLocale, type CrmLabelKind } from '@crmkit/elements';

/** Every code the core defines, by the kind of label it takes. */
const coreCodes: readonly [CrmLabelKind, readonly string[]][] = [
  ['activityType', activityTypes],
  ['direction', activityDirections],
  ['taskType', taskTypes],
  ['taskStatus', taskStatuses],
  ['dealStatus', dealStatuses],
  ['dealStatus', stageKinds],
  ['lifecycleStage', lifecycleStages],
  ['lifecycleRule', ['manual', ...defaultLifecycleRules().map((rule) => rule.id)]],
  ['lostReason', DEFAULT_LOST_REASON_CODES],
  ['consentPurpose', consentPurposes],
  ['legalBasis', legalBases],
  ['consentStatus', consentStatuses],
  ['customerKind', customerKinds],
  ['leadStatus', leadStatuses],
];

const han = /\p{Script=Han}/u;

/** The label of every code, as `kind/code → label`. */
function labelsOf(list: readonly [CrmLabelKind, readonly string[]][]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [kind, codes] of list) for (const code of codes) labels[`${kind}/${code}`] = crmLabel(kind, code);
  return labels;
}

describe('the shared label table', () => {
  afterEach(async () => {
    await setCrmLocale('en');
  });

  it('labels every code the core defines, in English and in Simplified Chinese', async () => {
    const unlabelled = coreCodes.flatMap(([kind, codes]) =>
      codes.filter((code) => !hasCrmLabel(kind, code)).map((code) => `${kind}/${code}`),
    );
    expect(unlabelled).to.deep.equal([]);

    const en = labelsOf(coreCodes);
    const raw = Object.entries(en).filter(([key, label]) => label === key.split('/')[1] || /[_]/.test(label));
    expect(raw).to.deep.equal([]);

    await setCrmLocale('zh-CN');
    const zh = labelsOf(coreCodes);
    const untranslated = Object.entries(zh).filter(([, label]) => !han.test(label));
    expect(untranslated).to.deep.equal([]);
  });

  it('translates every code of its own table (sources, channels) too', async () => {
    const own = crmLabelKinds.map((kind) => [kind, crmLabelCodes(kind)] as [CrmLabelKind, readonly string[]]);
    const en = labelsOf(own);
    await setCrmLocale('zh-CN');
    const zh = labelsOf(own);
    // Brand names (Zoom, Microsoft Teams) read the same in both languages; everything else is translated.
    const same = Object.keys(en).filter((key) => en[key] === zh[key]);
    expect(same).to.deep.equal(['channel/zoom', 'channel/teams']);
    expect(Object.values(en).filter((label) => label.includes('_'))).to.deep.equal([]);
  });

  it('reads an unknown code as words, never as a snake_case code', () => {
    expect(crmLabel('channel', 'douyin_live')).to.equal('Douyin live');
    expect(crmLabel('source', 'partnerPortal')).to.equal('Partner portal');
    expect(crmLabel('lifecycleRule', 'vip-upgrade')).to.equal('Vip upgrade');
    expect(hasCrmLabel('channel', 'douyin_live')).to.equal(false);
    // Text that is not a code stays as written: a name, another script, a sentence.
    expect(crmLabel('channel', 'WeChat Work')).to.equal('WeChat Work');
    expect(crmLabel('source', '抖音')).to.equal('抖音');
    expect(crmLabel('lostReason', 'Chose a competitor with a local office')).to.equal(
      'Chose a competitor with a local office',
    );
    expect(crmLabel('source', 'douyin')).to.equal('Douyin');
  });

  it('puts a host’s own labels first, in the current language', async () => {
    const labels = {
      channel: { douyin_live: { en: 'Douyin Live', 'zh-CN': '抖音直播' } },
      source: { referral: 'Word of mouth' },
    };
    expect(crmLabel('channel', 'douyin_live', labels)).to.equal('Douyin Live');
    expect(crmLabel('source', 'referral', labels)).to.equal('Word of mouth');
    expect(crmLabel('source', 'ads', labels)).to.equal('Advertising');
    expect(hasCrmLabel('channel', 'douyin_live', labels)).to.equal(true);
    await setCrmLocale('zh-CN');
    expect(crmLabel('channel', 'douyin_live', labels)).to.equal('抖音直播');
    expect(crmLabel('source', 'ads', labels)).to.equal('广告');
  });
});
