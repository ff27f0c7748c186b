import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

/**
 * PostgreSQL text cannot hold U+0000: a parameter containing it fails the whole statement ("invalid byte sequence
 * for encoding UTF8: 0x00"), so a %00 typed into a URL or a form would be a 500 here and a plain "not found" on
 * SQLite. Every string parameter has its NULs replaced by U+FFFD (the replacement character) before it is sent:
 * a lookup then finds nothing, as on SQLite, and stored text keeps a visible mark where the NUL was.
 */
export class NulSafePlugin implements KyselyPlugin {
  private readonly transformer = new NulTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

const clean = (value: unknown): unknown =>
  typeof value === 'string' && value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;

class NulTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = clean(node.value);
    return value === node.value ? node : { ...node, value };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return node.values.some((v) => typeof v === 'string' && v.includes('\0'))
      ? { ...node, values: node.values.map(clean) }
      : node;
  }
}
