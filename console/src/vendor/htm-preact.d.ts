/**
 * Types of htm's `preact/standalone` build (preact + hooks + htm in one ES module, no bare imports), which
 * `npm run build` copies next to the console's modules as vendor/htm-preact.js.
 */
export type VNode = { readonly type: unknown; readonly props: unknown };
export type Child = VNode | string | number | boolean | null | undefined | readonly Child[];
export function html(strings: TemplateStringsArray, ...values: unknown[]): VNode;
export function render(tree: VNode, parent: Element): void;
export function useState<T>(initial: T | (() => T)): [T, (next: T | ((previous: T) => T)) => void];
export function useEffect(effect: () => void | (() => void), deps?: readonly unknown[]): void;
export function useRef<T>(initial: T): { current: T };
export function useMemo<T>(factory: () => T, deps: readonly unknown[]): T;
export function useCallback<T extends (...args: never[]) => unknown>(callback: T, deps: readonly unknown[]): T;
export function useErrorBoundary(callback?: (error: unknown) => void): [unknown, () => void];
