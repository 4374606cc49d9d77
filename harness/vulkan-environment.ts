import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

/** One Vulkan driver manifest (ICD JSON) the loader would read. */
export interface VulkanIcd {
  manifestPath: string;
  /** `ICD.library_path` from the manifest, or null when the file could not be read as one. */
  libraryPath: string | null;
  /** A CPU implementation (Mesa's lavapipe, SwiftShader): WebGPU runs, but its times are not GPU times. */
  software: boolean;
}

/** What the Vulkan loader will find: itself, and the driver manifests it reads. */
export interface VulkanEnvironment {
  /** Path of libvulkan.so.1, or null when it is in none of the usual library folders. */
  loaderPath: string | null;
  icds: VulkanIcd[];
  /** Where the manifests were looked for: the folders searched, or the override variable in effect. */
  searched: string;
  /** Files an override variable names that do not exist. */
  missingOverrides: string[];
}

/** Manifest file names of CPU implementations, as globs for the loader's VK_LOADER_DRIVERS_DISABLE. */
export const SOFTWARE_ICD_GLOBS = ['*lvp_icd*', '*swiftshader*'];

const LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'];

const isSoftware = (manifestPath: string, libraryPath: string | null) => /lvp|swiftshader/i.test(`${basename(manifestPath)} ${libraryPath ?? ''}`);

function readIcd(manifestPath: string): VulkanIcd {
  let libraryPath: string | null = null;
  try {
    const parsed = JSON.parse(readFileSync(manifestPath, 'utf8')) as { ICD?: { library_path?: unknown } };
    if (typeof parsed.ICD?.library_path === 'string') libraryPath = parsed.ICD.library_path;
  } catch {
    // An unreadable manifest is still listed: the loader would try it and say why it failed.
  }
  return { manifestPath, libraryPath, software: isSoftware(manifestPath, libraryPath) };
}

function manifestsIn(path: string): string[] {
  try {
    if (statSync(path).isFile()) return [path];
    return readdirSync(path)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => join(path, name));
  } catch {
    return [];
  }
}

/**
 * Finds the Vulkan loader and the driver manifests it would read, following the loader's own search order:
 * VK_DRIVER_FILES (or the older VK_ICD_FILENAMES) replaces the search; otherwise the XDG config and data
 * folders' `vulkan/icd.d`, and /etc/vulkan/icd.d.
 */
export function findVulkanEnvironment(env: NodeJS.ProcessEnv = process.env): VulkanEnvironment {
  const libraryDirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LIBRARY_DIRS];
  const loaderPath = libraryDirs.map((dir) => join(dir, 'libvulkan.so.1')).find((path) => existsSync(path)) ?? null;

  const override = env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : env.VK_ICD_FILENAMES ? 'VK_ICD_FILENAMES' : null;
  if (override) {
    const listed = env[override]!.split(':').filter(Boolean);
    return {
      loaderPath,
      icds: listed.flatMap(manifestsIn).map(readIcd),
      searched: `${override}=${env[override]}`,
      missingOverrides: listed.filter((path) => !existsSync(path)),
    };
  }
  const home = env.HOME ?? homedir();
  const configDirs = [env.XDG_CONFIG_HOME ?? join(home, '.config'), ...(env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':'), '/etc'];
  const dataDirs = [env.XDG_DATA_HOME ?? join(home, '.local/share'), ...(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':')];
  const folders = [...new Set([...configDirs, ...dataDirs].filter(Boolean).map((dir) => join(dir, 'vulkan', 'icd.d')))];
  const added = (env.VK_ADD_DRIVER_FILES ?? '').split(':').filter(Boolean);
  return {
    loaderPath,
    icds: [...folders, ...added].flatMap(manifestsIn).map(readIcd),
    searched: folders.join(', '),
    missingOverrides: added.filter((path) => !existsSync(path)),
  };
}

/** One line for messages and result notes: the loader and the drivers found. */
export function describeVulkanEnvironment(vulkan: VulkanEnvironment): string {
  const loader = vulkan.loaderPath ? `Vulkan loader ${vulkan.loaderPath}` : 'no Vulkan loader (libvulkan.so.1) in the usual library folders';
  const missing = vulkan.missingOverrides.length ? ` (${vulkan.missingOverrides.join(', ')} does not exist)` : '';
  const drivers = vulkan.icds.length
    ? `drivers: ${vulkan.icds.map((icd) => `${basename(icd.manifestPath)}${icd.software ? ' (software)' : ''}`).join(', ')}`
    : `no Vulkan driver manifest in ${vulkan.searched}${missing}`;
  return `${loader}; ${drivers}`;
}
