import { allExpanded, collapseAllNested, darkStyles, defaultStyles, JsonView } from 'react-json-view-lite';
import { useTheme } from '../shell/theme-context.tsx';
import 'react-json-view-lite/dist/index.css';

/** Any JSON value as a collapsible tree; a scalar is shown as it is. Large values open collapsed below the top. */
export function JsonTree({ value, label }: { value: unknown; label?: string }) {
  const { theme } = useTheme();
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') {
    return (
      <pre className="json-scalar" title={label}>
        {typeof value === 'string' ? value : JSON.stringify(value)}
      </pre>
    );
  }
  const size = JSON.stringify(value).length;
  return (
    <div className="json-tree" title={label}>
      <JsonView
        data={value as object}
        shouldExpandNode={size < 2000 ? allExpanded : collapseAllNested}
        style={{ ...(theme === 'dark' ? darkStyles : defaultStyles), container: 'json-container' }}
        clickToExpandNode
      />
    </div>
  );
}
