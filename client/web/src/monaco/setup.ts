// Monaco, loaded once: the editor core with its usual contributions, the
// syntax definitions of the room languages only (each loaded on first use),
// TypeScript/JavaScript language features, and the web workers (bundled by
// Vite through ?worker imports). Importing this subset instead of the whole
// 'monaco-editor' keeps some eighty unused languages and the CSS/HTML/JSON
// services out of the bundle.

import * as monaco from 'monaco-esm/editor/editor.api';
import 'monaco-esm/editor/contrib/anchorSelect/browser/anchorSelect';
import 'monaco-esm/editor/contrib/bracketMatching/browser/bracketMatching';
import 'monaco-esm/editor/contrib/caretOperations/browser/transpose';
import 'monaco-esm/editor/contrib/clipboard/browser/clipboard';
import 'monaco-esm/editor/contrib/codeAction/browser/codeActionContributions';
import 'monaco-esm/editor/browser/widget/codeEditor/codeEditorWidget';
import 'monaco-esm/editor/contrib/codelens/browser/codelensController';
import 'monaco-esm/editor/contrib/colorPicker/browser/colorPickerContribution';
import 'monaco-esm/editor/contrib/comment/browser/comment';
import 'monaco-esm/editor/contrib/contextmenu/browser/contextmenu';
import 'monaco-esm/editor/contrib/cursorUndo/browser/cursorUndo';
import 'monaco-esm/editor/contrib/dnd/browser/dnd';
import 'monaco-esm/editor/contrib/documentSymbols/browser/documentSymbols';
import 'monaco-esm/editor/contrib/dropOrPasteInto/browser/dropIntoEditorContribution';
import 'monaco-esm/editor/contrib/floatingMenu/browser/floatingMenu.contribution';
import 'monaco-esm/editor/contrib/folding/browser/folding';
import 'monaco-esm/editor/contrib/fontZoom/browser/fontZoom';
import 'monaco-esm/editor/contrib/format/browser/formatActions';
import 'monaco-esm/editor/contrib/gotoError/browser/gotoError';
import 'monaco-esm/editor/standalone/browser/quickAccess/standaloneGotoLineQuickAccess';
import 'monaco-esm/editor/contrib/gotoSymbol/browser/link/goToDefinitionAtPosition';
import 'monaco-esm/editor/contrib/hover/browser/hoverContribution';
import 'monaco-esm/editor/contrib/indentation/browser/indentation';
import 'monaco-esm/editor/contrib/inlayHints/browser/inlayHintsContribution';
import 'monaco-esm/editor/contrib/inlineCompletions/browser/inlineCompletions.contribution';
import 'monaco-esm/editor/contrib/inlineProgress/browser/inlineProgress';
import 'monaco-esm/editor/contrib/inPlaceReplace/browser/inPlaceReplace';
import 'monaco-esm/editor/contrib/insertFinalNewLine/browser/insertFinalNewLine';
import 'monaco-esm/editor/contrib/lineSelection/browser/lineSelection';
import 'monaco-esm/editor/contrib/linesOperations/browser/linesOperations';
import 'monaco-esm/editor/contrib/linkedEditing/browser/linkedEditing';
import 'monaco-esm/editor/contrib/links/browser/links';
import 'monaco-esm/editor/contrib/longLinesHelper/browser/longLinesHelper';
import 'monaco-esm/editor/contrib/middleScroll/browser/middleScroll.contribution';
import 'monaco-esm/editor/contrib/multicursor/browser/multicursor';
import 'monaco-esm/editor/contrib/parameterHints/browser/parameterHints';
import 'monaco-esm/editor/contrib/placeholderText/browser/placeholderText.contribution';
import 'monaco-esm/editor/standalone/browser/quickAccess/standaloneCommandsQuickAccess';
import 'monaco-esm/editor/standalone/browser/quickAccess/standaloneHelpQuickAccess';
import 'monaco-esm/editor/standalone/browser/quickAccess/standaloneGotoSymbolQuickAccess';
import 'monaco-esm/editor/contrib/readOnlyMessage/browser/contribution';
import 'monaco-esm/editor/standalone/browser/referenceSearch/standaloneReferenceSearch';
import 'monaco-esm/editor/contrib/rename/browser/rename';
import 'monaco-esm/editor/contrib/sectionHeaders/browser/sectionHeaders';
import 'monaco-esm/editor/contrib/semanticTokens/browser/viewportSemanticTokens';
import 'monaco-esm/editor/contrib/smartSelect/browser/smartSelect';
import 'monaco-esm/editor/contrib/snippet/browser/snippetController2';
import 'monaco-esm/editor/contrib/stickyScroll/browser/stickyScrollContribution';
import 'monaco-esm/editor/contrib/suggest/browser/suggestInlineCompletions';
import 'monaco-esm/editor/contrib/toggleTabFocusMode/browser/toggleTabFocusMode';
import 'monaco-esm/editor/contrib/tokenization/browser/tokenization';
import 'monaco-esm/editor/contrib/unicodeHighlighter/browser/unicodeHighlighter';
import 'monaco-esm/editor/contrib/unusualLineTerminators/browser/unusualLineTerminators';
import 'monaco-esm/editor/contrib/wordHighlighter/browser/wordHighlighter';
import 'monaco-esm/editor/contrib/wordOperations/browser/wordOperations';
import 'monaco-esm/editor/contrib/wordPartOperations/browser/wordPartOperations';
import 'monaco-esm/editor/browser/coreCommands';
import 'monaco-esm/editor/contrib/caretOperations/browser/caretOperations';
import 'monaco-esm/editor/contrib/dropOrPasteInto/browser/copyPasteContribution';
import 'monaco-esm/editor/contrib/find/browser/findController';
import 'monaco-esm/editor/contrib/gotoSymbol/browser/goToCommands';
import 'monaco-esm/editor/contrib/gotoError/browser/markerSelectionStatus';
import 'monaco-esm/editor/contrib/semanticTokens/browser/documentSemanticTokens';
import 'monaco-esm/editor/contrib/suggest/browser/suggestController';
import 'monaco-esm/editor/common/standaloneStrings';
import 'monaco-esm/base/browser/ui/codicons/codicon/codicon.css';
import 'monaco-esm/base/browser/ui/codicons/codicon/codicon-modifiers.css';
import 'monaco-esm/languages/definitions/cpp/register';
import 'monaco-esm/languages/definitions/go/register';
import 'monaco-esm/languages/definitions/java/register';
import 'monaco-esm/languages/definitions/javascript/register';
import 'monaco-esm/languages/definitions/python/register';
import 'monaco-esm/languages/definitions/rust/register';
import 'monaco-esm/languages/definitions/sql/register';
import 'monaco-esm/languages/definitions/typescript/register';
import 'monaco-esm/languages/definitions/markdown/register';
import 'monaco-esm/languages/features/typescript/register';
import 'monaco-esm/features/find/register';
import EditorWorker from 'monaco-esm/editor/editor.worker?worker';
import TsWorker from 'monaco-esm/language/typescript/ts.worker?worker';

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    if (label === 'typescript' || label === 'javascript') return new TsWorker();
    return new EditorWorker();
  },
};

export { monaco };
