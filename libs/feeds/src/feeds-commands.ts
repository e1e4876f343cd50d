import { EvaluateAchievements } from './achievements';
import { PublishCourse } from './course';
import { EnrollmentCommand } from './enrollment';
import { FollowCommand } from './follows';
import { PostUpdate } from './post';

/** Every command of the feeds domain; the events are `FeedsEvent` in @voltstream/contracts. */
export type FeedsCommand =
  PublishCourse | EnrollmentCommand | FollowCommand | PostUpdate | EvaluateAchievements;
