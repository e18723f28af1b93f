// Vite's build resolves stylesheet imports; TypeScript only needs to know they exist.
declare module '*.css';
