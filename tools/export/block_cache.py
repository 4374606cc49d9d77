"""A PyTorch block cache on a diffusion transformer's block stack, the reference for lightbench's `deepcache` on a DiT.

A full step runs every block and records, per transformer call of the step (Wan calls the model once for the prompt
and once for the negative prompt), the residual that blocks [first, last) add to each stream they carry (image
tokens, and text tokens in MM-DiT blocks). A cached step runs blocks before `first` and from `last` on, and adds the
recorded residual in place of the skipped blocks. Full steps are the step indices divisible by `interval`.
"""

import torch


class BlockCache:
    def __init__(self, transformer, blocks, first, last, interval, calls_per_step):
        if not 0 <= first < last <= len(blocks):
            raise ValueError(f"block range [{first}, {last}) must lie within the {len(blocks)} blocks and hold at least one")
        self.transformer, self.blocks = transformer, blocks
        self.first, self.last, self.interval, self.calls_per_step = first, last, interval, calls_per_step
        self.calls = -1
        self.inputs, self.residuals = {}, {}
        self.kinds = []  # "full" or "cached" per step, as run
        self.originals = [block.forward for block in blocks]
        self.hook = transformer.register_forward_pre_hook(self._count_call)
        for index in range(first, last):
            blocks[index].forward = self._wrapped(index)

    def _count_call(self, _module, _args):
        self.calls += 1
        if self.calls % self.calls_per_step == 0:
            self.kinds.append("full" if self._step() % self.interval == 0 else "cached")

    def _step(self):
        return self.calls // self.calls_per_step

    def _wrapped(self, index):
        original = self.originals[index]

        def forward(hidden_states, encoder_hidden_states, *rest, **kwargs):
            key = self.calls % self.calls_per_step
            streams = (hidden_states, encoder_hidden_states)
            full = self._step() % self.interval == 0
            if not full:
                if index != self.first:
                    return self._as_output(streams)
                residual = self.residuals[key]
                return self._as_output(tuple(s + r if r is not None else s for s, r in zip(streams, residual)))
            if index == self.first:
                self.inputs[key] = streams
            out = original(hidden_states, encoder_hidden_states, *rest, **kwargs)
            if index == self.last - 1:
                outputs = out if isinstance(out, tuple) else (out, None)
                self.residuals[key] = tuple(
                    o - i if o is not None else None for o, i in zip(outputs, self.inputs[key])
                )
            self.multi_stream = isinstance(out, tuple)
            return out

        return forward

    def _as_output(self, streams):
        return streams if self.multi_stream else streams[0]

    def remove(self):
        self.hook.remove()
        for index in range(self.first, self.last):
            del self.blocks[index].forward  # back to the class's forward
