// What the parts of the admin console's sync page share (web/admin/sync/).

declare namespace SyncUI {
  /** The sync page's state, and the repaints its parts ask for. */
  interface Context {
    plugin: Api.Plugin;
    /** The plugin's name (its id when it has none). */
    crmName: string;
    /** The plugin's sync API path: /api/admin/plugins/{id}/sync. */
    base: string;
    /** The modules the manifest lists, in the page's order. */
    modules: string[];
    overview: Api.SyncOverview;
    /** The saved settings (with the current pause state). */
    settings: Api.SyncSettings;
    history: Api.SyncHistoryEntry[];
    failures: Api.SyncFailure[];
    /** Each module's fields, or why the CRM could not say; undefined while they load. */
    fields: { [module: string]: Api.SyncFields | Error | undefined };
    /** Each module's CRM list views (as it last listed them, when `stale_since`), or why the CRM could not say; undefined while they load. */
    listViews: { [module: string]: Api.ListViewsAnswer | Error | undefined };
    /** Whether Start Sync was clicked on this page. */
    requested: boolean;
    /** Whether this page is still the one shown. */
    live(): boolean;
    /** Repaints the actions, the progress and the module cards after the settings changed. */
    onSettings(): void;
    /** Polls fast for a few seconds: a sync should start. */
    expectRun(): void;
    /** Reloads the history and failures. */
    reload(): Promise<void>;
    /** Repaints the progress box. */
    paintProgress(): void;
  }

  /** A module's card on the Configuration tab. */
  interface ModuleCard {
    form: HTMLFormElement;
    /** Repaints the header chips from the saved settings and the overview. */
    paintStatus(): void;
    /** Draws the parts that come from the CRM (field mapping, list views) from ctx.fields and ctx.listViews. */
    paintCatalog(): void;
  }
}
