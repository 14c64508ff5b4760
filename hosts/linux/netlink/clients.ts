// Thin clients over one NetlinkSocket each: links over rtnetlink, the team driver over generic netlink.
// Each method is one request; its error says what was being done.
import { NETLINK_GENERIC, NETLINK_ROUTE, RTM_NEWLINK, TEAM_GENL_NAME } from "./constants";
import { decodeFamily, encodeGetFamily, type GenericFamily } from "./genetlink";
import {
  decodeLink,
  encodeDeleteLink,
  encodeDumpLinks,
  encodeGetLink,
  encodeNewLink,
  encodeSetLink,
  type LinkChange,
  type LinkInfo,
  type LinkSelector,
  type NewLinkRequest,
} from "./rtnetlink";
import { NetlinkSocket, type NetlinkSocketOptions } from "./socket";
import { NetlinkError } from "./errors";
import {
  decodeTeamOptions,
  decodeTeamPorts,
  encodeTeamOptionsGet,
  encodeTeamOptionsSet,
  encodeTeamPortListGet,
  type ReceivedTeamOption,
  type TeamOptionItem,
  type TeamPort,
} from "./team";

function describe(selector: LinkSelector): string {
  return "index" in selector ? `ifindex ${selector.index}` : selector.name;
}

export class LinkClient {
  readonly #socket: NetlinkSocket;

  constructor(options: NetlinkSocketOptions = {}) {
    this.#socket = new NetlinkSocket(NETLINK_ROUTE, options);
  }

  get(selector: LinkSelector): LinkInfo {
    const messages = this.#socket.request(encodeGetLink(this.#socket.nextSequence(), selector), `reading link ${describe(selector)} (RTM_GETLINK)`);
    const reply = messages.find((message) => message.type === RTM_NEWLINK);
    if (!reply) throw new Error(`RTM_GETLINK for ${describe(selector)} was acknowledged without a link`);
    return decodeLink(reply);
  }

  /** The link, or null when there is none of that name or index (ENODEV). */
  find(selector: LinkSelector): LinkInfo | null {
    try {
      return this.get(selector);
    } catch (error) {
      if ((error as { errnoName?: string }).errnoName === "ENODEV") return null;
      throw error;
    }
  }

  list(): LinkInfo[] {
    return this.#socket
      .request(encodeDumpLinks(this.#socket.nextSequence()), "listing links (RTM_GETLINK dump)", "dump")
      .filter((message) => message.type === RTM_NEWLINK)
      .map(decodeLink);
  }

  create(request: NewLinkRequest): LinkInfo {
    this.#socket.request(encodeNewLink(this.#socket.nextSequence(), request), `creating ${request.kind} device ${request.name} (RTM_NEWLINK)`);
    return this.get({ name: request.name });
  }

  change(selector: LinkSelector, change: LinkChange, what: string): void {
    this.#socket.request(encodeSetLink(this.#socket.nextSequence(), selector, change), `${what} (RTM_NEWLINK on ${describe(selector)})`);
  }

  delete(selector: LinkSelector, what: string): void {
    this.#socket.request(encodeDeleteLink(this.#socket.nextSequence(), selector), `${what} (RTM_DELLINK on ${describe(selector)})`);
  }

  close(): void {
    this.#socket.close();
  }
}

export class GenericNetlinkClient {
  readonly socket: NetlinkSocket;

  constructor(options: NetlinkSocketOptions = {}) {
    this.socket = new NetlinkSocket(NETLINK_GENERIC, options);
  }

  resolveFamily(name: string): GenericFamily {
    const messages = this.socket.request(
      encodeGetFamily(this.socket.nextSequence(), name),
      `resolving the generic netlink family "${name}" (CTRL_CMD_GETFAMILY)`,
    );
    const reply = messages[0];
    if (!reply) throw new Error(`CTRL_CMD_GETFAMILY "${name}" was acknowledged without an answer`);
    return decodeFamily(reply);
  }

  close(): void {
    this.socket.close();
  }
}

/** The "team" generic netlink family, bound to one team device by ifindex. */
export class TeamClient {
  readonly #generic: GenericNetlinkClient;
  readonly #socket: NetlinkSocket;
  readonly familyId: number;
  readonly teamIfindex: number;
  readonly teamName: string;

  /** Resolves the family; throws a NetlinkError with ENOENT when the team module is not loaded. */
  constructor(teamIfindex: number, teamName: string, options: NetlinkSocketOptions = {}) {
    const generic = new GenericNetlinkClient(options);
    try {
      this.familyId = generic.resolveFamily(TEAM_GENL_NAME).id;
    } catch (error) {
      generic.close();
      throw error;
    }
    this.#generic = generic;
    this.#socket = generic.socket;
    this.teamIfindex = teamIfindex;
    this.teamName = teamName;
  }

  /**
   * Sets options, one TEAM_CMD_OPTIONS_SET per item, in order; stops at the first refusal.
   * One item per message because the kernel (team_nl_cmd_options_set) announces each change on the
   * "change_event" multicast group and, when nobody listens, returns ESRCH from that announcement after the
   * option is already set, then skips the remaining items of the message. So ESRCH here means "set, and
   * nobody was told", which is success for us.
   */
  setOptions(items: readonly TeamOptionItem[], what: string): void {
    for (const item of items) {
      const detail = items.length > 1 ? ` (${item.name}${item.arrayIndex !== undefined ? `[${item.arrayIndex}]` : ""})` : "";
      try {
        this.#socket.request(
          encodeTeamOptionsSet(this.familyId, this.#socket.nextSequence(), this.teamIfindex, [item]),
          `${what}${detail} on team ${this.teamName} (TEAM_CMD_OPTIONS_SET)`,
        );
      } catch (error) {
        if (error instanceof NetlinkError && error.errnoName === "ESRCH") continue;
        throw error;
      }
    }
  }

  getOptions(): ReceivedTeamOption[] {
    return this.#socket
      .request(encodeTeamOptionsGet(this.familyId, this.#socket.nextSequence(), this.teamIfindex), `reading the options of team ${this.teamName} (TEAM_CMD_OPTIONS_GET)`)
      .filter((message) => message.type === this.familyId)
      .flatMap(decodeTeamOptions);
  }

  getPorts(): TeamPort[] {
    return this.#socket
      .request(encodeTeamPortListGet(this.familyId, this.#socket.nextSequence(), this.teamIfindex), `reading the ports of team ${this.teamName} (TEAM_CMD_PORT_LIST_GET)`)
      .filter((message) => message.type === this.familyId)
      .flatMap(decodeTeamPorts);
  }

  close(): void {
    this.#generic.close();
  }
}
