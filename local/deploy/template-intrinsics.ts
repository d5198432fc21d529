import { attributeOf, refOf, urlSuffix } from './template-names.ts';
import { IntrinsicResolutionError, isRecord, type ResolveContext } from './template-types.ts';

/** `Ref: AWS::NoValue` (and `Fn::If` branches that yield it) remove the property or list item. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

type Resolved = unknown;

const INTRINSICS = new Set([
  'Ref',
  'Fn::GetAtt',
  'Fn::Join',
  'Fn::Sub',
  'Fn::Select',
  'Fn::Split',
  'Fn::If',
  'Fn::Equals',
  'Fn::And',
  'Fn::Or',
  'Fn::Not',
  'Fn::FindInMap',
  'Fn::GetAZs',
  'Fn::ImportValue',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::ToJsonString',
  'Fn::Length',
  'Condition',
]);

/**
 * Resolves every CloudFormation intrinsic in `value` against a (simulated) deployment: pseudo parameters,
 * parameters, `Ref`/`Fn::GetAtt` of template resources (real-shaped names and ARNs), `Fn::Join`, `Fn::Sub`
 * (both forms), `Fn::Select`, `Fn::Split`, `Fn::If` with `Conditions`, `Fn::FindInMap`, `Fn::GetAZs`,
 * `Fn::Base64`, `Fn::ToJsonString`, `Fn::Length`. `Fn::ImportValue` and `Fn::Cidr` throw: a stack that
 * needs them cannot be deployed locally on its own.
 *
 * @throws IntrinsicResolutionError naming the JSON path of the value that could not be resolved.
 */
export function resolveIntrinsics<T = unknown>(value: unknown, ctx: ResolveContext): T {
  const resolved = new Resolver(ctx).resolve(value, '');
  return (resolved === NO_VALUE ? undefined : resolved) as T;
}

/** Evaluates one named condition of `ctx.template`. */
export function evaluateCondition(name: string, ctx: ResolveContext): boolean {
  return new Resolver(ctx).condition(name, `Conditions.${name}`);
}

class Resolver {
  private readonly conditions = new Map<string, boolean>();
  private readonly resolving = new Set<string>();

  constructor(private readonly ctx: ResolveContext) {}

  private get partition() {
    return this.ctx.partition ?? 'aws';
  }

  private get stackName() {
    return this.ctx.stackName ?? 'Stack';
  }

  resolve(value: unknown, path: string): Resolved {
    if (Array.isArray(value)) {
      return value.map((item, i) => this.resolve(item, `${path}[${i}]`)).filter((item) => item !== NO_VALUE);
    }
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const only = keys[0];
    if (keys.length === 1 && only !== undefined && INTRINSICS.has(only)) {
      return this.intrinsic(only, value[only], `${path}.${only}`);
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const item = this.resolve(value[key], path ? `${path}.${key}` : key);
      if (item !== NO_VALUE) out[key] = item;
    }
    return out;
  }

  private fail(message: string, path: string): never {
    throw new IntrinsicResolutionError(message, path);
  }

  private str(value: unknown, path: string, what: string): string {
    const resolved = this.resolve(value, path);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    return this.fail(`${what} must resolve to a string, got ${JSON.stringify(resolved)}`, path);
  }

  private list(value: unknown, path: string, what: string): unknown[] {
    const resolved = this.resolve(value, path);
    if (Array.isArray(resolved)) return resolved;
    return this.fail(`${what} must resolve to a list, got ${JSON.stringify(resolved)}`, path);
  }

  private args(value: unknown, count: number, path: string, fn: string): unknown[] {
    if (!Array.isArray(value) || value.length < count) {
      this.fail(`${fn} takes a list of ${count} arguments`, path);
    }
    return value;
  }

  private intrinsic(fn: string, arg: unknown, path: string): Resolved {
    switch (fn) {
      case 'Ref':
        return this.ref(this.str(arg, path, 'Ref'), path);
      case 'Fn::GetAtt':
        return this.getAtt(arg, path);
      case 'Fn::Join': {
        const [delimiter, items] = this.args(arg, 2, path, fn);
        const sep = this.str(delimiter, `${path}[0]`, 'The Fn::Join delimiter');
        return this.list(items, `${path}[1]`, 'The Fn::Join list')
          .map((item, i) => this.str(item, `${path}[1][${i}]`, 'Every Fn::Join item'))
          .join(sep);
      }
      case 'Fn::Sub':
        return this.sub(arg, path);
      case 'Fn::Select': {
        const [index, items] = this.args(arg, 2, path, fn);
        const i = Number(this.resolve(index, `${path}[0]`));
        const list = this.list(items, `${path}[1]`, 'The Fn::Select list');
        if (!Number.isInteger(i) || i < 0 || i >= list.length) {
          this.fail(`Fn::Select index ${i} is out of range for a list of ${list.length}`, path);
        }
        return list[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = this.args(arg, 2, path, fn);
        return this.str(source, `${path}[1]`, 'The Fn::Split source').split(
          this.str(delimiter, `${path}[0]`, 'The Fn::Split delimiter'),
        );
      }
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = this.args(arg, 3, path, fn);
        if (typeof name !== 'string') this.fail('Fn::If takes a condition name first', path);
        return this.condition(name, path)
          ? this.resolve(whenTrue, `${path}[1]`)
          : this.resolve(whenFalse, `${path}[2]`);
      }
      case 'Fn::Equals': {
        const [a, b] = this.args(arg, 2, path, fn);
        return JSON.stringify(this.resolve(a, `${path}[0]`)) === JSON.stringify(this.resolve(b, `${path}[1]`));
      }
      case 'Fn::And':
        return this.args(arg, 1, path, fn).every((c, i) => this.bool(c, `${path}[${i}]`));
      case 'Fn::Or':
        return this.args(arg, 1, path, fn).some((c, i) => this.bool(c, `${path}[${i}]`));
      case 'Fn::Not':
        return !this.bool(this.args(arg, 1, path, fn)[0], `${path}[0]`);
      case 'Condition':
        return this.condition(this.str(arg, path, 'Condition'), path);
      case 'Fn::FindInMap':
        return this.findInMap(arg, path);
      case 'Fn::GetAZs': {
        const region = this.str(arg ?? '', path, 'Fn::GetAZs') || this.ctx.region;
        return ['a', 'b', 'c'].map((az) => `${region}${az}`);
      }
      case 'Fn::Base64':
        return Buffer.from(this.str(arg, path, 'Fn::Base64'), 'utf8').toString('base64');
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolve(arg, path));
      case 'Fn::Length':
        return this.list(arg, path, 'Fn::Length').length;
      case 'Fn::ImportValue':
        return this.fail(
          `Fn::ImportValue ${JSON.stringify(arg)} needs another stack's export; deploy stacks without cross-stack imports locally`,
          path,
        );
      default:
        return this.fail(`${fn} is not supported by the local resolver`, path);
    }
  }

  private bool(value: unknown, path: string): boolean {
    const resolved = this.resolve(value, path);
    if (typeof resolved === 'boolean') return resolved;
    if (resolved === 'true' || resolved === 'false') return resolved === 'true';
    return this.fail(`A condition must resolve to a boolean, got ${JSON.stringify(resolved)}`, path);
  }

  condition(name: string, path: string): boolean {
    const cached = this.conditions.get(name);
    if (cached !== undefined) return cached;
    const definition = this.ctx.template?.Conditions?.[name];
    if (definition === undefined) this.fail(`Unknown condition ${name}`, path);
    const key = `Condition:${name}`;
    if (this.resolving.has(key)) this.fail(`Condition ${name} refers to itself`, path);
    this.resolving.add(key);
    try {
      const result = this.bool(definition, `Conditions.${name}`);
      this.conditions.set(name, result);
      return result;
    } finally {
      this.resolving.delete(key);
    }
  }

  private findInMap(arg: unknown, path: string): Resolved {
    const [map, top, second, options] = this.args(arg, 3, path, 'Fn::FindInMap');
    const mapName = this.str(map, `${path}[0]`, 'The map name');
    const topKey = this.str(top, `${path}[1]`, 'The top-level key');
    const secondKey = this.str(second, `${path}[2]`, 'The second-level key');
    const found = this.ctx.template?.Mappings?.[mapName]?.[topKey]?.[secondKey];
    if (found !== undefined) return this.resolve(found, `Mappings.${mapName}.${topKey}.${secondKey}`);
    if (isRecord(options) && 'DefaultValue' in options) return this.resolve(options.DefaultValue, `${path}[3]`);
    return this.fail(`Mappings.${mapName}.${topKey}.${secondKey} does not exist`, path);
  }

  private pseudo(name: string): Resolved | undefined {
    const { ctx } = this;
    switch (name) {
      case 'AWS::Region':
        return ctx.region;
      case 'AWS::AccountId':
        return ctx.accountId;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return urlSuffix(this.partition);
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${ctx.region}:${ctx.accountId}:stack/${this.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  private ref(name: string, path: string): Resolved {
    const pseudo = this.pseudo(name);
    if (pseudo !== undefined) return pseudo;
    const parameter = this.ctx.template?.Parameters?.[name];
    if (parameter || this.ctx.parameters?.[name] !== undefined) {
      const raw = this.ctx.parameters?.[name] ?? parameter?.Default;
      if (raw === undefined) this.fail(`Parameter ${name} has no value and no Default`, path);
      const type = parameter?.Type ?? 'String';
      if (typeof raw === 'string' && (type === 'CommaDelimitedList' || type.startsWith('List<'))) {
        return raw.split(',');
      }
      return raw;
    }
    const override = this.ctx.attributes?.(name, 'Ref');
    if (override !== undefined) return override;
    const resource = this.ctx.template?.Resources[name];
    const physicalId = this.ctx.physicalIds[name];
    if (physicalId === undefined) {
      return this.fail(`Ref ${name}: no such parameter, and no physical id for a resource of that name`, path);
    }
    if (!resource) return physicalId;
    return refOf(resource.Type, this.attributeInput(name, physicalId, path));
  }

  private getAtt(arg: unknown, path: string): Resolved {
    let logicalId: string;
    let attribute: string;
    if (typeof arg === 'string') {
      const dot = arg.indexOf('.');
      if (dot < 0) this.fail(`Fn::GetAtt ${arg} needs the form LogicalId.Attribute`, path);
      logicalId = arg.slice(0, dot);
      attribute = arg.slice(dot + 1);
    } else {
      const [id, attr] = this.args(arg, 2, path, 'Fn::GetAtt');
      logicalId = this.str(id, `${path}[0]`, 'The Fn::GetAtt logical id');
      attribute = this.str(attr, `${path}[1]`, 'The Fn::GetAtt attribute');
    }
    const override = this.ctx.attributes?.(logicalId, attribute);
    if (override !== undefined) return override;
    const resource = this.ctx.template?.Resources[logicalId];
    const physicalId = this.ctx.physicalIds[logicalId];
    if (!resource || physicalId === undefined) {
      return this.fail(`Fn::GetAtt ${logicalId}.${attribute}: resource ${logicalId} is unknown`, path);
    }
    const value = attributeOf(resource.Type, attribute, this.attributeInput(logicalId, physicalId, path));
    if (value === undefined) {
      return this.fail(`Fn::GetAtt ${logicalId}.${attribute} is not known for ${resource.Type}`, path);
    }
    return value;
  }

  private attributeInput(logicalId: string, name: string, path: string) {
    const properties = this.ctx.template?.Resources[logicalId]?.Properties ?? {};
    return {
      logicalId,
      name,
      env: { partition: this.partition, region: this.ctx.region, accountId: this.ctx.accountId },
      prop: (key: string) => {
        const guard = `${logicalId}.${key}`;
        if (this.resolving.has(guard)) this.fail(`${guard} refers to itself`, path);
        this.resolving.add(guard);
        try {
          const resolved = this.resolve(properties[key], `Resources.${logicalId}.Properties.${key}`);
          return resolved === NO_VALUE ? undefined : resolved;
        } finally {
          this.resolving.delete(guard);
        }
      },
    };
  }

  private sub(arg: unknown, path: string): Resolved {
    let template: unknown;
    let variables: Record<string, unknown> = {};
    if (Array.isArray(arg)) {
      [template, variables = {}] = arg as [unknown, Record<string, unknown> | undefined];
      if (!isRecord(variables)) this.fail('The second Fn::Sub argument must be a map of variables', path);
    } else {
      template = arg;
    }
    if (typeof template !== 'string') this.fail('Fn::Sub takes a string template', path);
    return template.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
      const name = expression.trim();
      if (name in variables) return this.str(variables[name], `${path}[1].${name}`, `Fn::Sub variable ${name}`);
      const dot = name.indexOf('.');
      const isPseudo = name.startsWith('AWS::');
      const resolved =
        dot > 0 && !isPseudo ? this.getAtt(name, `${path}(\${${name}})`) : this.ref(name, `${path}(\${${name}})`);
      if (typeof resolved === 'string' || typeof resolved === 'number') return String(resolved);
      return this.fail(`Fn::Sub variable ${name} must resolve to a string`, path);
    });
  }
}
