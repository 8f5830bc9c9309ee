/**
 * Joi schemas of the two human units, shared by the limits table and the rest
 * of the configuration schema. Kept apart from `units.ts`, whose parsers the
 * authoring code uses without Joi.
 */
import Joi from 'joi';
import {parseDuration, parseSize} from './units.js';

/** A duration: a number of seconds, or text such as "500ms", "30s" or "2m". */
export const durationSchema = Joi.alternatives(
  Joi.number().min(0),
  Joi.string().custom((value: string, helpers) =>
    parseDuration(value) === undefined ? helpers.error('any.invalid') : value,
  ),
).messages({'any.invalid': '{{#label}} must be a duration such as "500ms", "30s" or "2m"'});

/** A size: a whole number of bytes, or text such as "64k" or "256m". */
export const sizeSchema = Joi.alternatives(
  Joi.number().integer().min(0),
  Joi.string().custom((value: string, helpers) =>
    parseSize(value) === undefined ? helpers.error('any.invalid') : value,
  ),
).messages({'any.invalid': '{{#label}} must be a size such as "64k", "256m" or a number of bytes'});
