import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type {
  Category,
  NotificationAction,
  PixelEvent,
  PromptSettings,
  PushSubscriptionWire,
  Receipt,
  SiteConfig,
  SubscribeRequest,
  SubscribeResponse,
} from '../wire.ts';
import { promptSettingsSchema, siteConfigSchema } from './presenters.ts';
import { subscribedSchema } from './routes/public.ts';
import {
  actionSchema,
  categorySchema,
  pixelEventSchema,
  receiptSchema,
  subscribeSchema,
  subscriptionSchema,
} from './schemas.ts';

/**
 * The snippet and the service worker import wire.ts (type only, so zod never reaches a
 * browser bundle); the server validates with the schemas. tsc checks that the two say the
 * same: what a browser sends is the schema's input, what it reads is the schema's output.
 */
describe('wire.ts and the schemas', () => {
  it('agree on what the browser sends', () => {
    expectTypeOf<SubscribeRequest>().toEqualTypeOf<z.input<typeof subscribeSchema>>();
    expectTypeOf<PushSubscriptionWire>().toEqualTypeOf<z.input<typeof subscriptionSchema>>();
    expectTypeOf<PixelEvent>().toEqualTypeOf<z.input<typeof pixelEventSchema>>();
    expectTypeOf<Receipt>().toEqualTypeOf<z.input<typeof receiptSchema>>();
  });

  it('agree on what the browser reads', () => {
    expectTypeOf<SiteConfig>().toEqualTypeOf<z.output<typeof siteConfigSchema>>();
    expectTypeOf<PromptSettings>().toEqualTypeOf<z.output<typeof promptSettingsSchema>>();
    expectTypeOf<Category>().toEqualTypeOf<z.output<typeof categorySchema>>();
    expectTypeOf<SubscribeResponse>().toEqualTypeOf<z.output<typeof subscribedSchema>>();
    expectTypeOf<NotificationAction>().toEqualTypeOf<z.output<typeof actionSchema>>();
  });
});
