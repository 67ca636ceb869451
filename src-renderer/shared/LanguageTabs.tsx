// The tab strip of a template editor: one tab per language customers read, the chosen wording
// below it. With one language there are no tabs, only the panel.
import type { ReactNode } from 'react';
import { type CustomerLanguage, languageName } from '../../src-shared/i18n/index.js';

export function LanguageTabs(props: {
  /** Keeps the ids of two editors on one page apart ("tpl", "etpl"). */
  idPrefix: string;
  languages: readonly CustomerLanguage[];
  current: CustomerLanguage;
  onPick(language: CustomerLanguage): void;
  children: ReactNode;
}) {
  const { idPrefix, languages, current } = props;
  const tabbed = languages.length > 1;
  const panelId = `${idPrefix}-language-panel`;
  return (
    <>
      {tabbed ? (
        <div role="tablist" aria-label="The customer’s language" className="language-tabs">
          {languages.map((l) => (
            <button
              key={l}
              type="button"
              role="tab"
              id={`${idPrefix}-tab-${l}`}
              lang={l}
              aria-selected={current === l}
              aria-controls={panelId}
              className={current === l ? 'language-tab current' : 'language-tab'}
              onClick={() => props.onPick(l)}
            >
              {languageName(l)}
            </button>
          ))}
        </div>
      ) : null}
      <div id={panelId} role={tabbed ? 'tabpanel' : undefined} aria-labelledby={tabbed ? `${idPrefix}-tab-${current}` : undefined} className="stack">
        {props.children}
      </div>
    </>
  );
}
