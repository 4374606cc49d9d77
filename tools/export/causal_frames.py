"""A causal video VAE decoded frame by frame, as a caller chains its first-frame and next-frame graphs, and the names
of the cache slots those graphs hand from call to call."""

import torch


def cache_names(count, direction):
    return [f"cache_{direction}_{i}" for i in range(count)]


def chain_frames(first, following, latents, start_cache=lambda filled: filled):
    """The first latent frame through `first`, each later one through `following` with the cache the previous call
    handed on; `start_cache` turns the first frame's cache outputs into the second frame's cache inputs."""
    with torch.no_grad():
        frames, *filled = first(latents[:, :, :1])
        cache = start_cache(filled)
        outputs = [frames]
        for i in range(1, latents.shape[2]):
            frames, *cache = following(latents[:, :, i : i + 1], *cache)
            outputs.append(frames)
    return torch.cat(outputs, dim=2)
