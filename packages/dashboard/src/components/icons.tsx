/** A handful of 16px stroke icons, inline so they cost no requests. */
const paths: Record<string, string> = {
  capsules: "M3 4.5h10v7H3zM5.5 4.5V3h5v1.5M6 8h4",
  templates: "M2.5 3h4.5v4.5H2.5zM9 3h4.5v4.5H9zM2.5 9.5h4.5V14H2.5zM9 9.5h4.5V14H9z",
  usage: "M2.5 13.5h11M4 11V8M7 11V4.5M10 11V6.5M13 11V9",
  keys: "M9.5 6.5a3 3 0 1 1-6 0 3 3 0 0 1 6 0zM9 8l4.5 4.5M11.5 10.5l1.5-1.5",
  team: "M6 7a2.25 2.25 0 1 0 0-4.5A2.25 2.25 0 0 0 6 7zM1.75 13.5c.4-2.5 2.2-4 4.25-4s3.85 1.5 4.25 4M11 3a2 2 0 0 1 0 4M12.5 9.8c1 .6 1.6 1.9 1.8 3.7",
  audit: "M4 2.5h6l2.5 2.5v8.5H4zM6 7h4.5M6 9.5h4.5M6 12h2.5",
  hosts: "M2.5 3h11v4h-11zM2.5 9h11v4h-11zM4.5 5h.01M4.5 11h.01",
  admin: "M8 1.75l5 2v4c0 3.1-2.1 5.4-5 6.5-2.9-1.1-5-3.4-5-6.5v-4zM6 8l1.5 1.5L10.5 6.5",
  settings: "M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4",
  signout: "M6 13.5H3.5v-11H6M10 11l3-3-3-3M13 8H6",
  plus: "M8 3v10M3 8h10",
  search: "M7 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zM10.5 10.5L14 14",
  up: "M8 13V3M4 7l4-4 4 4",
  folder: "M2 4.5h4l1.5 1.5H14v7H2z",
  file: "M4 2h5.5L12 4.5V14H4zM9.5 2v2.5H12",
  link: "M6.5 9.5l3-3M7 4.5l1-1a2.5 2.5 0 0 1 3.5 3.5l-1 1M9 11.5l-1 1A2.5 2.5 0 0 1 4.5 9l1-1",
  refresh: "M13 8a5 5 0 1 1-1.5-3.5M13 2.5v3h-3",
  x: "M4 4l8 8M12 4l-8 8",
};

export type IconName = keyof typeof paths;

export function Icon({ name, className }: { name: IconName; className?: string }) {
  return (
    <svg viewBox="0 0 16 16" className={className ?? "h-4 w-4"} fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={paths[name]} />
    </svg>
  );
}
