// Vite's import forms (such as `?url` for the pdf.js worker) for the type checker.
/// <reference types="vite/client" />
