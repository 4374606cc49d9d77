import type { AttentionForm } from './onnx/types.ts';
import type { AttentionReport, ExecutionProviderName, SessionSettings } from './types.ts';

/**
 * Providers of onnxruntime-node 1.30 whose `com.microsoft` MultiHeadAttention kernel is used. CPU is checked against a
 * float64 reference by the tests; CUDA's kernel is the one ONNX Runtime's own diffusion pipelines are optimised into,
 * and the GPU check runs it. WebGPU has the kernel (it runs with CPU fallback disabled) but, checked on lavapipe, its
 * results drift from the CPU kernel's by up to 1e-1 once a sequence reaches 64 tokens, so graphs for WebGPU keep
 * MatMul–Softmax–MatMul; the WebGPU test re-checks both facts, so an upgrade that fixes the kernel shows up there.
 */
export const FUSED_ATTENTION_PROVIDERS: Readonly<Record<ExecutionProviderName, boolean>> = { cpu: true, cuda: true, webgpu: false };

/** Why a provider in the table above computes attention unfused. */
const UNFUSED_REASONS: Partial<Record<ExecutionProviderName, string>> = {
  webgpu: "onnxruntime-node 1.30's WebGPU MultiHeadAttention deviates from the CPU kernel by up to 1e-1 on sequences of 64 tokens or more",
};

/** The attention form built graphs get: fused where asked for and the provider has the kernel. */
export function attentionFormFor(session: SessionSettings, provider: ExecutionProviderName): AttentionForm {
  return session.fuseAttention && FUSED_ATTENTION_PROVIDERS[provider] ? 'fused' : 'unfused';
}

/** What a variant's graphs ran, from the attention operators counted in them. */
export function attentionReport(session: SessionSettings, provider: ExecutionProviderName, counts: { fused: number; unfused: number }): AttentionReport {
  const form = counts.fused === 0 ? 'unfused' : counts.unfused === 0 ? 'fused' : 'partly-fused';
  const report: AttentionReport = { requested: session.fuseAttention, form, fusedNodes: counts.fused, unfusedNodes: counts.unfused };
  if (session.fuseAttention && !FUSED_ATTENTION_PROVIDERS[provider]) report.note = `attention ran as MatMul-Softmax-MatMul on ${provider}: ${UNFUSED_REASONS[provider] ?? 'no fused kernel'}`;
  else if (session.fuseAttention && counts.unfused > 0) report.note = `${counts.unfused} attention pattern(s) did not match a fusable form and ran as MatMul-Softmax-MatMul`;
  return report;
}
