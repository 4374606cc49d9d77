import type { AttentionForm } from './onnx/types.ts';
import type { AttentionReport, ExecutionProviderName, SessionSettings } from './types.ts';

/**
 * Providers of onnxruntime-node 1.30 with a kernel for `com.microsoft` MultiHeadAttention. CPU and WebGPU are
 * checked by the tests (WebGPU with CPU fallback disabled, on lavapipe); CUDA's kernel is the one PyTorch-exported
 * transformers are optimised into, and the GPU check script runs it.
 */
export const FUSED_ATTENTION_PROVIDERS: Readonly<Record<ExecutionProviderName, boolean>> = { cpu: true, cuda: true, webgpu: true };

/** The attention form built graphs get: fused where asked for and the provider has the kernel. */
export function attentionFormFor(session: SessionSettings, provider: ExecutionProviderName): AttentionForm {
  return session.fuseAttention && FUSED_ATTENTION_PROVIDERS[provider] ? 'fused' : 'unfused';
}

/** What a variant's graphs ran, from the attention operators counted in them. */
export function attentionReport(session: SessionSettings, provider: ExecutionProviderName, counts: { fused: number; unfused: number }): AttentionReport {
  const form = counts.fused === 0 ? 'unfused' : counts.unfused === 0 ? 'fused' : 'partly-fused';
  const report: AttentionReport = { requested: session.fuseAttention, form, fusedNodes: counts.fused, unfusedNodes: counts.unfused };
  if (session.fuseAttention && !FUSED_ATTENTION_PROVIDERS[provider]) report.note = `the ${provider} provider has no fused attention kernel: attention ran as MatMul-Softmax-MatMul`;
  else if (session.fuseAttention && counts.unfused > 0) report.note = `${counts.unfused} attention pattern(s) did not match a fusable form and ran as MatMul-Softmax-MatMul`;
  return report;
}
